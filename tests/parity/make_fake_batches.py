#!/usr/bin/python3
"""Writes a random checkpoint and a valid batches file, to run bert_torch.py end to end.

Output folder: checkpoint/ (config.json, vocab.txt, model.safetensors with PyTorch default
init) and batches.safetensors. Each example is `<cls> a <sep> b <sep> <pad>...` with valid_len
uniform in [--min-len, --max-len], max(1, round(0.15 * valid_len)) prediction slots (capped by
P) at distinct non-special positions, labels drawn from the regular vocabulary.
Book shapes: --vocab 20256 --hidden 128 --ffn 256 --batch 512 --max-len 64 --min-len 28
(mean valid_len 46, ~69% real MLM slots, as on WikiText-2).
"""
import argparse
import os

import numpy as np
import torch

from bert_torch import BertModel, save_checkpoint
import safetensors_io

PAD, MASK, CLS, SEP = 1, 2, 3, 4
FIRST_WORD = 5


def example(rng, valid_len, max_len, slots, vocab):
    """One padded example as a tuple of numpy arrays."""
    len_a = rng.integers(1, valid_len - 4, endpoint=True)  # b gets at least one token
    words = rng.integers(FIRST_WORD, vocab, size=valid_len)
    words[0], words[len_a + 1], words[valid_len - 1] = CLS, SEP, SEP
    segments = np.zeros(max_len, np.int32)
    segments[len_a + 2:valid_len] = 1
    candidates = [i for i in range(valid_len) if words[i] not in (CLS, SEP)]
    count = min(max(1, round(0.15 * valid_len)), slots, len(candidates))
    positions = np.sort(rng.choice(candidates, size=count, replace=False))
    labels = words[positions].copy()
    tokens = np.full(max_len, PAD, np.int32)
    tokens[:valid_len] = words
    tokens[positions] = np.where(rng.random(count) < 0.8, MASK, tokens[positions])
    pad = slots - count
    return (tokens, segments, valid_len,
            np.concatenate([positions, np.zeros(pad, np.int64)]),
            np.concatenate([np.ones(count), np.zeros(pad)]).astype(np.float32),
            np.concatenate([labels, np.zeros(pad, np.int64)]),
            rng.integers(0, 2))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--vocab", type=int, default=50)
    parser.add_argument("--hidden", type=int, default=16)
    parser.add_argument("--ffn", type=int, default=32)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--max-position", type=int, default=32, help="position-table rows")
    parser.add_argument("--activation", choices=["relu", "gelu"], default="relu")
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--num-batches", type=int, default=2, help="K")
    parser.add_argument("--batch", type=int, default=4, help="B")
    parser.add_argument("--max-len", type=int, default=16, help="T")
    parser.add_argument("--min-len", type=int, default=5, help="smallest valid_len (>= 5)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    assert 5 <= args.min_len <= args.max_len <= args.max_position

    cfg = {"vocab_size": args.vocab, "hidden": args.hidden, "ffn_hidden": args.ffn,
           "heads": args.heads, "layers": args.layers, "max_position": args.max_position,
           "dropout": args.dropout, "activation": args.activation, "layernorm_eps": 1e-5}
    torch.manual_seed(args.seed)
    vocab_tokens = ["<unk>", "<pad>", "<mask>", "<cls>", "<sep>"]
    vocab_tokens += [f"w{i}" for i in range(FIRST_WORD, args.vocab)]
    save_checkpoint(os.path.join(args.out, "checkpoint"), cfg, BertModel(cfg), vocab_tokens)

    rng = np.random.default_rng(args.seed)
    slots = round(0.15 * args.max_len)
    rows = [[example(rng, int(rng.integers(args.min_len, args.max_len, endpoint=True)),
                     args.max_len, slots, args.vocab)
             for _ in range(args.batch)] for _ in range(args.num_batches)]
    names = ["tokens", "segments", "valid_lens", "pred_positions", "mlm_weights",
             "mlm_labels", "nsp_labels"]
    arrays = {}
    for i, name in enumerate(names):
        array = np.array([[ex[i] for ex in batch] for batch in rows])
        arrays[name] = array.astype(np.float32 if name == "mlm_weights" else np.int32)
    safetensors_io.save(os.path.join(args.out, "batches.safetensors"), arrays)
    real = arrays["mlm_weights"].mean()
    print(f"wrote {args.out}: K={args.num_batches} B={args.batch} T={args.max_len} P={slots}, "
          f"mean valid_len {arrays['valid_lens'].mean():.1f}, real MLM slots {real:.0%}")


if __name__ == "__main__":
    main()
