#!/usr/bin/python3
"""PyTorch reference of BertNative's BERT (bert-spec.md sections 2 and 3), with the optional
Hugging Face architecture of config.json (embedding_layer_norm, mlm_activation, tie_decoder,
type_vocab_size; docs/checkpoint-format.md).

Parameter names are the checkpoint's (docs/checkpoint-format.md), so a BertNative
model.safetensors loads with load_state_dict. Subcommands:
  grads  one forward/backward on a stored batch without dropout; writes losses and gradients
  train  Adam training over stored batches; prints the book's loss and throughput lines
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_io  # noqa: E402

MASKED_SCORE = -1e6


class MultiHeadAttention(nn.Module):
    def __init__(self, hidden, heads, dropout):
        super().__init__()
        self.heads = heads
        self.W_q = nn.Linear(hidden, hidden)
        self.W_k = nn.Linear(hidden, hidden)
        self.W_v = nn.Linear(hidden, hidden)
        self.W_o = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, valid_lens):
        batch, steps, hidden = x.shape
        head_dim = hidden // self.heads

        def split(t):  # [B, T, H] -> [B, h, T, H/h]
            return t.reshape(batch, steps, self.heads, head_dim).transpose(1, 2)

        q, k, v = split(self.W_q(x)), split(self.W_k(x)), split(self.W_v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim)
        padded_key = torch.arange(steps, device=x.device) >= valid_lens[:, None, None, None]
        scores = scores.masked_fill(padded_key, MASKED_SCORE)
        weights = self.dropout(torch.softmax(scores, dim=-1))
        merged = (weights @ v).transpose(1, 2).reshape(batch, steps, hidden)
        return self.W_o(merged)


class AddNorm(nn.Module):
    """LN(X + Dropout(Y))."""

    def __init__(self, hidden, dropout, eps):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(hidden, eps=eps)

    def forward(self, x, y):
        return self.ln(x + self.dropout(y))


class PositionWiseFFN(nn.Module):
    def __init__(self, hidden, ffn_hidden, activation):
        super().__init__()
        self.dense1 = nn.Linear(hidden, ffn_hidden)
        self.activation = {"relu": F.relu, "gelu": F.gelu}[activation]  # gelu: exact (erf)
        self.dense2 = nn.Linear(ffn_hidden, hidden)

    def forward(self, x):
        return self.dense2(self.activation(self.dense1(x)))


class EncoderBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        hidden, dropout, eps = cfg["hidden"], cfg["dropout"], cfg["layernorm_eps"]
        self.attention = MultiHeadAttention(hidden, cfg["heads"], dropout)
        self.addnorm1 = AddNorm(hidden, dropout, eps)
        self.ffn = PositionWiseFFN(hidden, cfg["ffn_hidden"], cfg["activation"])
        self.addnorm2 = AddNorm(hidden, dropout, eps)

    def forward(self, x, valid_lens):
        y = self.addnorm1(x, self.attention(x, valid_lens))
        return self.addnorm2(y, self.ffn(y))


class BertEncoder(nn.Module):
    def __init__(self, cfg, book_pytorch):
        super().__init__()
        hidden = cfg["hidden"]
        self.book_pytorch = book_pytorch
        self.token_embedding = nn.Embedding(cfg["vocab_size"], hidden)  # N(0, 1)
        self.segment_embedding = nn.Embedding(cfg.get("type_vocab_size", 2), hidden)
        self.pos_embedding = nn.Parameter(torch.randn(1, cfg["max_position"], hidden))
        if cfg.get("embedding_layer_norm", False):  # Hugging Face's: LayerNorm, then dropout
            self.embedding_norm = nn.LayerNorm(hidden, eps=cfg["layernorm_eps"])
            self.embedding_dropout = nn.Dropout(cfg["dropout"])
        self.blks = nn.ModuleList(EncoderBlock(cfg) for _ in range(cfg["layers"]))

    def forward(self, tokens, segments, valid_lens):
        steps = tokens.shape[1]
        pos = self.pos_embedding.detach() if self.book_pytorch else self.pos_embedding
        x = self.token_embedding(tokens) + self.segment_embedding(segments) + pos[:, :steps, :]
        if hasattr(self, "embedding_norm"):
            x = self.embedding_dropout(self.embedding_norm(x))
        for blk in self.blks:
            x = blk(x, valid_lens)
        return x


class TiedDecoder(nn.Module):
    """Linear(H, V) whose weight is the token embedding table (Hugging Face's tie); only the bias is its own."""

    def __init__(self, embedding):
        super().__init__()
        self.bias = nn.Parameter(torch.empty(embedding.num_embeddings))
        bound = 1 / math.sqrt(embedding.embedding_dim)
        nn.init.uniform_(self.bias, -bound, bound)
        self.table = lambda: embedding.weight  # not a submodule: the table is named once, in the encoder

    def forward(self, x):
        return F.linear(x, self.table(), self.bias)


class MaskLM(nn.Module):
    def __init__(self, cfg, token_embedding):
        super().__init__()
        hidden = cfg["hidden"]
        activation = {"relu": nn.ReLU(), "gelu": nn.GELU()}[cfg.get("mlm_activation", "relu")]
        decoder = (TiedDecoder(token_embedding) if cfg.get("tie_decoder", False)
                   else nn.Linear(hidden, cfg["vocab_size"]))
        self.mlp = nn.Sequential(nn.Linear(hidden, hidden), activation,
                                 nn.LayerNorm(hidden, eps=cfg["layernorm_eps"]), decoder)

    def forward(self, x, pred_positions):
        rows = torch.arange(x.shape[0], device=x.device)[:, None]
        return self.mlp(x[rows, pred_positions])  # [B, P, V]


class NextSentencePred(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.output = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.output(x)


class BertModel(nn.Module):
    """PyTorch default init: Linear U(+-1/sqrt(fan_in)), embeddings N(0, 1), LayerNorm 1/0."""

    def __init__(self, cfg, book_pytorch=False):
        super().__init__()
        self.encoder = BertEncoder(cfg, book_pytorch)
        self.hidden = nn.Sequential(nn.Linear(cfg["hidden"], cfg["hidden"]), nn.Tanh())
        self.mlm = MaskLM(cfg, self.encoder.token_embedding)
        self.nsp = NextSentencePred(cfg["hidden"])

    def forward(self, tokens, segments, valid_lens, pred_positions):
        encoded = self.encoder(tokens, segments, valid_lens)
        mlm_logits = self.mlm(encoded, pred_positions)
        nsp_logits = self.nsp(self.hidden(encoded[:, 0, :]))
        return encoded, mlm_logits, nsp_logits


def losses(model, batch, book_pytorch):
    """(MLM, NSP) losses of one batch; see bert-spec.md section 3."""
    _, mlm_logits, nsp_logits = model(batch["tokens"], batch["segments"], batch["valid_lens"],
                                      batch["pred_positions"])
    vocab = mlm_logits.shape[-1]
    ce = F.cross_entropy(mlm_logits.reshape(-1, vocab), batch["mlm_labels"].reshape(-1),
                         reduction="none")
    if book_pytorch:
        mlm = ce.mean()
    else:
        weights = batch["mlm_weights"].reshape(-1)
        mlm = (ce * weights).sum() / (weights.sum() + 1e-8)
    nsp = F.cross_entropy(nsp_logits, batch["nsp_labels"])
    return mlm, nsp


def read_config(text_or_path):
    if os.path.isfile(text_or_path):
        with open(text_or_path, encoding="utf-8") as f:
            return json.load(f)
    return json.loads(text_or_path)


def load_checkpoint(folder, book_pytorch):
    """(config, model) from a checkpoint folder (config.json + model.safetensors)."""
    cfg = read_config(os.path.join(folder, "config.json"))
    model = BertModel(cfg, book_pytorch)
    tensors, _ = safetensors_io.load(os.path.join(folder, "model.safetensors"))
    model.load_state_dict({name: torch.from_numpy(a) for name, a in tensors.items()})
    return cfg, model


def save_checkpoint(folder, cfg, model, vocab_tokens):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("".join(t + "\n" for t in vocab_tokens))
    tensors = {name: p.detach().float().cpu().numpy() for name, p in model.state_dict().items()}
    safetensors_io.save(os.path.join(folder, "model.safetensors"), tensors)


def load_batches(path, device, float_dtype=torch.float32):
    """All K batches as a list of dicts of tensors (indices int64, weights float)."""
    arrays, _ = safetensors_io.load(path)
    count = arrays["tokens"].shape[0]
    batches = []
    for k in range(count):
        batch = {name: torch.from_numpy(a[k].astype(np.int64)).to(device)
                 for name, a in arrays.items() if name != "mlm_weights"}
        batch["mlm_weights"] = torch.from_numpy(arrays["mlm_weights"][k]).to(device, float_dtype)
        batches.append(batch)
    return batches


def cmd_grads(args):
    torch.set_num_threads(args.threads)
    _, model = load_checkpoint(args.checkpoint, args.book_pytorch)
    dtype = torch.float64 if args.double else torch.float32
    model = model.to(dtype).eval()  # eval(): dropout off; nothing else depends on the mode
    batch = load_batches(args.batches, "cpu", dtype)[args.index]
    mlm, nsp = losses(model, batch, args.book_pytorch)
    (mlm + nsp).backward()
    out = {"loss.mlm": np.array([mlm.item()], np.float32),
           "loss.nsp": np.array([nsp.item()], np.float32)}
    for name, p in model.named_parameters():
        grad = p.grad if p.grad is not None else torch.zeros_like(p)
        out["grad." + name] = grad.float().numpy()
    safetensors_io.save(args.out, out, {"double": args.double, "book_pytorch": args.book_pytorch,
                                        "index": args.index})
    print(f"mlm {mlm.item():.6f} nsp {nsp.item():.6f} -> {args.out}")


def device_name(device):
    if device.type == "cuda":
        return f"cuda:{torch.cuda.current_device()} ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def cmd_train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    # TF32 GEMMs (Ampere and newer) only when asked: PyTorch's own default for matmuls is full fp32.
    torch.backends.cuda.matmul.allow_tf32 = args.precision == "tf32"
    torch.backends.cudnn.allow_tf32 = args.precision == "tf32"
    if args.checkpoint:
        _, model = load_checkpoint(args.checkpoint, args.book_pytorch)
    else:
        model = BertModel(read_config(args.config), args.book_pytorch)
    model = model.to(device).train()
    batches = load_batches(args.batches, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    mlm_sum = nsp_sum = 0.0
    step_seconds = []
    timed_pairs = 0
    for step in range(args.steps):
        batch = batches[step % len(batches)]
        sync()
        start = time.perf_counter()
        optimizer.zero_grad()
        mlm, nsp = losses(model, batch, args.book_pytorch)
        (mlm + nsp).backward()
        optimizer.step()
        sync()
        seconds = time.perf_counter() - start
        step_seconds.append(seconds)
        if step > 0:  # the first step is warm-up
            timed_pairs += batch["tokens"].shape[0]
        mlm_sum += mlm.item()
        nsp_sum += nsp.item()
        if not args.json:
            print(f"step {step + 1}: mlm {mlm.item():.4f} nsp {nsp.item():.4f} "
                  f"{seconds * 1000:.1f} ms", flush=True)

    mlm_avg, nsp_avg = mlm_sum / args.steps, nsp_sum / args.steps
    timed_seconds = sum(step_seconds[1:])
    pairs_per_sec = timed_pairs / timed_seconds if timed_seconds > 0 else float("nan")
    if args.json:
        print(json.dumps({"pairs_per_sec": pairs_per_sec, "mlm": mlm_avg, "nsp": nsp_avg,
                          "steps": args.steps, "threads": args.threads,
                          "device": device_name(device), "torch": torch.__version__,
                          "precision": args.precision,
                          "step_seconds": step_seconds}))
    else:
        print(f"MLM loss {mlm_avg:.3f}, NSP loss {nsp_avg:.3f}")
        print(f"{pairs_per_sec:.1f} sentence pairs/sec on {device_name(device)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--batches", required=True, help="batches.safetensors")
        p.add_argument("--book-pytorch", action="store_true",
                       help="book defects: unweighted MLM mean over all B*P slots, "
                            "positional embedding never trained")
        p.add_argument("--threads", type=int, default=os.cpu_count(),
                       help="torch.set_num_threads (default: all cores)")

    g = sub.add_parser("grads", help="losses and gradients of one batch, dropout off")
    common(g)
    g.add_argument("--checkpoint", required=True, help="checkpoint folder")
    g.add_argument("--index", type=int, default=0, help="batch k of the file")
    g.add_argument("--double", action="store_true", help="compute in float64 (written as F32)")
    g.add_argument("--out", required=True, help="output safetensors: loss.*, grad.<param>")
    g.set_defaults(func=cmd_grads)

    t = sub.add_parser("train", help="Adam training, cycling over the stored batches")
    common(t)
    source = t.add_mutually_exclusive_group(required=True)
    source.add_argument("--checkpoint", help="checkpoint folder to start from")
    source.add_argument("--init", choices=["pytorch"], help="fresh PyTorch default init")
    t.add_argument("--config", help="with --init: config.json path or inline JSON")
    t.add_argument("--steps", type=int, default=50, help="N >= 2 (step 1 is not timed)")
    t.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    t.add_argument("--lr", type=float, default=0.01)
    t.add_argument("--seed", type=int, default=0, help="torch.manual_seed (init, dropout)")
    t.add_argument("--json", action="store_true", help="print one JSON object only")
    t.add_argument("--precision", choices=["fp32", "tf32"], default="fp32",
                   help="GEMM precision on a GPU (the cuda backend's --precision)")
    t.set_defaults(func=cmd_train)

    args = parser.parse_args()
    if args.command == "train" and args.init and not args.config:
        parser.error("--init needs --config")
    args.func(args)


if __name__ == "__main__":
    main()
