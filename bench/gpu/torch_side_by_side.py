"""PyTorch timings of the book's BERT ops on the GPU, for the side-by-side table of run-gpu.sh.

Placeholder until the BertNative bench harness reports the same rows: prints PyTorch's
forward+backward milliseconds per op at the book's shapes (batch 512, T 64, H 128, 2 heads,
FFN 256, vocabulary 20256, 10 MLM slots), with the BertNative column left as "pending".
"""
import torch

B, T, H, HEADS, F, V, P = 512, 64, 128, 2, 256, 20256, 10


def time_ms(fn, repeat=20):
    for _ in range(3):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeat):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / repeat


def main():
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 like BertNative
    dev = torch.device("cuda")
    x = torch.randn(B, T, H, device=dev, requires_grad=True)
    qkv = torch.nn.Linear(H, 3 * H).to(dev)
    ffn = torch.nn.Sequential(torch.nn.Linear(H, F), torch.nn.ReLU(), torch.nn.Linear(F, H)).to(dev)
    norm = torch.nn.LayerNorm(H).to(dev)
    head = torch.nn.Linear(H, V).to(dev)
    mha = torch.nn.MultiheadAttention(H, HEADS, batch_first=True, dropout=0.1).to(dev)
    labels = torch.randint(0, V, (B * P,), device=dev)
    rows = {
        "matmul qkv (fwd+bwd)": lambda: qkv(x).sum().backward(),
        "attention (fwd+bwd)": lambda: mha(x, x, x, need_weights=False)[0].sum().backward(),
        "ffn (fwd+bwd)": lambda: ffn(x).sum().backward(),
        "layernorm (fwd+bwd)": lambda: norm(x).sum().backward(),
        "mlm head + CE (fwd+bwd)": lambda: torch.nn.functional.cross_entropy(
            head(x[:, :P].reshape(-1, H)), labels).backward(),
    }
    print(f"{'op (book shapes)':28} {'pytorch ms':>10} {'bertnative ms':>14}")
    for name, fn in rows.items():
        print(f"{name:28} {time_ms(fn):10.3f} {'pending':>14}")
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}")


if __name__ == "__main__":
    main()
