#!/usr/bin/env bash
# The book's run (50 steps, book config, batch 512) over several seeds, BertNative beside an independent PyTorch
# model (tests/parity/bert_torch.py, PyTorch's own init) trained on the same batches with the same loss, so the
# spread of the 50-step MLM and NSP losses can be read against the book's published bands.
# Writes bench/results/<date>-loss-bands-<machine>.md (BENCH_MACHINE names the machine; default: the host name).
# Timings are not the point here (see side-by-side.sh).
# Usage: bench/cpu/loss-bands.sh [seeds=5] [--book-pytorch]   (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
seeds=${1:-5}
loss_flag=${2:-}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash .ci/install-deps.sh >/dev/null
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
app="dotnet src/Trainer/bin/Release/net10.0/bertnative.dll"

for seed in $(seq "$seeds"); do
  echo "seed $seed/$seeds: BertNative ..." >&2
  $app pretrain --device cpu --seed "$seed" --data "$data" --out "$work/run-$seed" $loss_flag --json > "$work/ours-$seed.json"
  $app data --data "$data" --seed "$seed" --export-batches "$work/batches-$seed.safetensors" --batches-count 50 --batch 512 > /dev/null
  echo "seed $seed/$seeds: PyTorch ..." >&2
  # PASSIVE: PyTorch's fastest setting on a 2-core VM (only the losses matter here).
  OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tests/parity/bert_torch.py train --init pytorch --config "$work/run-$seed/checkpoint/config.json" \
    --batches "$work/batches-$seed.safetensors" --steps 50 --seed "$seed" --device cpu --json $loss_flag > "$work/torch-$seed.json"
done

/usr/bin/python3 - "$work" "$seeds" "${loss_flag:-intended}" "bench/results/$(date +%F)-loss-bands-${BENCH_MACHINE:-$(hostname -s)}${loss_flag:+-book-pytorch}.md" <<'PY'
import json, sys, statistics, datetime
work, seeds, loss, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
load = lambda side, s: json.load(open(f"{work}/{side}-{s}.json"))
rows = [(s, load("ours", s), load("torch", s)) for s in range(1, seeds + 1)]
table = "\n".join(f"| {s} | {o['mlm']:.3f} | {o['nsp']:.3f} | {t['mlm']:.3f} | {t['nsp']:.3f} |" for s, o, t in rows)
def stats(side, key):
    values = [r[1 if side == "ours" else 2][key] for r in rows]
    spread = f" ± {statistics.stdev(values):.3f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.3f}{spread} (min {min(values):.3f}, max {max(values):.3f})"
bands = ("MXNet (intended loss): MLM 7.29–7.36, NSP 0.81–0.88; PyTorch with the weighting fixed: near 7.3 / 0.78"
         if loss == "intended" else "the book's PyTorch: MLM 5.2–5.9, NSP 0.74–0.80")
text = f"""# 50-step losses over {seeds} seeds: BertNative and PyTorch on the same batches

Date: {datetime.date.today()}. Book config, batch 512, max_len 64, Adam lr 0.01, dropout 0.2, 50 steps,
loss `{loss}`. Printed losses are the mean of the 50 per-step losses (docs/model-spec.md §3). BertNative: cpu backend, its own
init. PyTorch: tests/parity/bert_torch.py with PyTorch's default init and torch.manual_seed(seed), trained on the
batches BertNative drew for the same seed. Book bands: {bands}.

| seed | BertNative MLM | BertNative NSP | PyTorch MLM | PyTorch NSP |
|---:|---:|---:|---:|---:|
{table}

BertNative: MLM {stats('ours', 'mlm')}, NSP {stats('ours', 'nsp')}.
PyTorch: MLM {stats('torch', 'mlm')}, NSP {stats('torch', 'nsp')}.
"""
open(out, "w").write(text)
print(text)
PY
