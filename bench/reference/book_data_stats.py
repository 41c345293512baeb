#!/usr/bin/python3
"""Statistics of the book's WikiText-2 NSP/MLM data pipeline (bert-spec.md section 1).

Re-expresses, from the spec's prose, the data preparation of the d2l "Pretraining BERT"
chapter with Python's `random` module, builds the dataset once per seed and prints one JSON
object with the numbers BertNative's C# pipeline must land on (mean and std over seeds).
"""
import argparse
import collections
import json
import os
import platform
import random
import statistics
import time

RESERVED = ["<pad>", "<mask>", "<cls>", "<sep>"]
UNK, PAD = 0, 1


def read_paragraphs(path):
    """Lines containing ' . ', stripped, lower-cased, split on ' . ' (unshuffled)."""
    with open(path, "r", encoding="utf-8") as f:
        lines = f.readlines()
    return [line.strip().lower().split(" . ") for line in lines if " . " in line]


def build_vocab(paragraphs, min_freq=5):
    """<unk>=0, reserved 1..4, then tokens with count >= min_freq by descending count.

    Ties are broken by ordinal string order so the vocabulary does not depend on the shuffle.
    """
    counts = collections.Counter(tok for par in paragraphs for sent in par for tok in sent)
    frequent = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    idx_to_token = ["<unk>"] + RESERVED
    idx_to_token += [t for t in frequent if t not in idx_to_token]
    return idx_to_token, {t: i for i, t in enumerate(idx_to_token)}


def nsp_examples(paragraphs, max_len, rng):
    """(tokens, segments, is_next) for every adjacent sentence pair that fits in max_len."""
    examples = []
    for par in paragraphs:
        for i in range(len(par) - 1):
            a, b = par[i], par[i + 1]
            if rng.random() < 0.5:
                is_next = True
            else:
                b = rng.choice(rng.choice(paragraphs))
                is_next = False
            if len(a) + len(b) + 3 > max_len:
                continue
            tokens = ["<cls>"] + a + ["<sep>"] + b + ["<sep>"]
            segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
            examples.append((tokens, segments, is_next))
    return examples


def mask_tokens(tokens, token_to_idx, idx_to_token, rng, kinds):
    """Static MLM masking of one example; returns (input ids, positions, labels).

    `kinds` counts which branch (mask / keep / random) each chosen position took.
    """
    candidates = [i for i, t in enumerate(tokens) if t not in ("<cls>", "<sep>")]
    rng.shuffle(candidates)
    num_preds = max(1, round(len(tokens) * 0.15))
    masked = list(tokens)
    chosen = []
    for pos in candidates[:num_preds]:
        if rng.random() < 0.8:
            masked[pos] = "<mask>"
            kinds["mask"] += 1
        elif rng.random() < 0.5:
            kinds["keep"] += 1
        else:
            masked[pos] = rng.choice(idx_to_token)
            kinds["random"] += 1
        chosen.append((pos, token_to_idx.get(tokens[pos], UNK)))
    chosen.sort()
    ids = [token_to_idx.get(t, UNK) for t in masked]
    return ids, [p for p, _ in chosen], [label for _, label in chosen]


def pad_example(ids, segments, positions, labels, max_len, num_slots):
    """Fixed shapes: tokens/segments [max_len], valid_len, positions/weights/labels [num_slots]."""
    pad = max_len - len(ids)
    free = num_slots - len(positions)
    return {
        "tokens": ids + [PAD] * pad,
        "segments": segments + [0] * pad,
        "valid_len": len(ids),
        "pred_positions": positions + [0] * free,
        "mlm_weights": [1.0] * len(positions) + [0.0] * free,
        "mlm_labels": labels + [0] * free,
    }


def build(paragraphs, max_len, seed):
    """One dataset build seeded with `seed`; returns its statistics."""
    rng = random.Random(seed)
    start = time.perf_counter()
    paragraphs = list(paragraphs)
    rng.shuffle(paragraphs)
    paragraphs = [[sent.split() for sent in par] for par in paragraphs]
    idx_to_token, token_to_idx = build_vocab(paragraphs)
    examples = nsp_examples(paragraphs, max_len, rng)
    num_slots = round(0.15 * max_len)
    kinds = collections.Counter()
    padded = []
    for tokens, segments, _ in examples:
        ids, positions, labels = mask_tokens(tokens, token_to_idx, idx_to_token, rng, kinds)
        padded.append(pad_example(ids, segments, positions, labels, max_len, num_slots))
    seconds = time.perf_counter() - start
    real = sum(sum(p["mlm_weights"]) for p in padded)
    return {
        "vocab_size": len(idx_to_token),
        "examples": len(examples),
        "nsp_positive_fraction": sum(e[2] for e in examples) / len(examples),
        "mean_valid_len": sum(p["valid_len"] for p in padded) / len(examples),
        "mean_mlm_predictions": real / len(examples),
        "padding_slot_fraction": 1 - real / (num_slots * len(examples)),
        "mask_fraction": kinds["mask"] / real,
        "keep_fraction": kinds["keep"] / real,
        "random_fraction": kinds["random"] / real,
        "seconds_per_build": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="/work/shared/data/wikitext-2",
                        help="folder holding wiki.train.tokens")
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--seeds", type=int, default=5, help="builds with seeds 0..N-1")
    args = parser.parse_args()

    paragraphs = read_paragraphs(os.path.join(args.data, "wiki.train.tokens"))
    runs = [build(paragraphs, args.max_len, seed) for seed in range(args.seeds)]
    result = {
        "data": os.path.join(args.data, "wiki.train.tokens"),
        "max_len": args.max_len,
        "mlm_slots": round(0.15 * args.max_len),
        "seeds": list(range(args.seeds)),
        "paragraphs": len(paragraphs),
        "sentences": sum(len(p) for p in paragraphs),
        "vocab_size": runs[0]["vocab_size"],
    }
    for key in runs[0]:
        if key == "vocab_size":
            continue
        values = [r[key] for r in runs]
        result[key] = {"mean": statistics.fmean(values),
                       "std": statistics.stdev(values) if len(values) > 1 else 0.0}
    result["machine"] = f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, " \
                        f"Python {platform.python_version()}"
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
