#!/usr/bin/env bash
# Side by side on this machine's CPU: BertNative's cpu backend vs PyTorch (Debian python3-torch,
# OpenBLAS) training the same book BERT on the same WikiText-2 batches with the same thread count.
# Writes bench/results/<date>-cpu-side-by-side-<machine>.md (BENCH_MACHINE names the machine; default: the host name)
# and prints the ratios.
# Usage: bench/cpu/side-by-side.sh [steps=20] [threads=2] [rounds=3]   (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-20}
threads=${2:-2}
rounds=${3:-3}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
seed=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash .ci/install-deps.sh >/dev/null
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
app="dotnet src/Trainer/bin/Release/net10.0/bertnative.dll"

# The first batches of the run below, for PyTorch (its train loop cycles through them).
$app data --data "$data" --seed $seed --export-batches "$work/batches.safetensors" --batches-count "$steps" --batch 512 > /dev/null

torch_train() {
  /usr/bin/python3 tests/parity/bert_torch.py train --init pytorch --config "$work/run/checkpoint/config.json" \
    --batches "$work/batches.safetensors" --steps "$steps" --threads "$threads" --device cpu --json
}

# Rounds alternate the sides, so a slow spell on a shared machine hits all of them; the summary is the median.
# PyTorch runs twice per round: as installed, and with OMP_WAIT_POLICY=PASSIVE, its best setting found on a
# 2-core VM (its OpenMP threads otherwise spin and take the cores from OpenBLAS's threads).
for round in $(seq "$rounds"); do
  echo "round $round/$rounds: BertNative, $steps steps, batch 512, $threads threads ..." >&2
  $app pretrain --device cpu --threads "$threads" --steps "$steps" --seed $seed --data "$data" --out "$work/run" --json > "$work/ours-$round.json"
  echo "round $round/$rounds: PyTorch as installed ..." >&2
  torch_train > "$work/torch-$round.json"
  echo "round $round/$rounds: PyTorch with OMP_WAIT_POLICY=PASSIVE ..." >&2
  OMP_WAIT_POLICY=PASSIVE torch_train > "$work/passive-$round.json"
done

host=${BENCH_MACHINE:-$(hostname -s)}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
/usr/bin/python3 - "$work" "$rounds" "$steps" "$threads" "$cpu" "bench/results/$(date +%F)-cpu-side-by-side-$host.md" <<'PY'
import json, sys, datetime, statistics
work, rounds, steps, threads, cpu, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
load = lambda name, r: json.load(open(f"{work}/{name}-{r}.json"))
rows = [(r, load("ours", r)["steady_pairs_per_sec"], load("torch", r)["pairs_per_sec"], load("passive", r)["pairs_per_sec"])
        for r in range(1, rounds + 1)]
ours, torch = load("ours", 1), load("torch", 1)
table = "\n".join(f"| {r} | {o:.1f} | {t:.1f} | {o / t:.2f}x | {p:.1f} | {o / p:.2f}x |" for r, o, t, p in rows)
median = statistics.median
text = f"""# CPU side by side: BertNative cpu backend vs PyTorch

Machine: {cpu}, {threads} threads used by both. Date: {datetime.date.today()}.
Book BERT (2 layers, 128 hidden, 2 heads, FFN 256, V 20,256), batch 512, max_len 64, Adam lr 0.01,
{steps} steps on the same WikiText-2 batches; intended (weighted) MLM loss. Pairs/s exclude the
first (warm-up) step on all sides. {rounds} rounds, each running BertNative, then PyTorch twice.

BertNative: {ours['device']}. PyTorch {torch['torch']} eager ({torch['device']}).
Losses (same every round): BertNative MLM {ours['mlm']:.3f}, NSP {ours['nsp']:.3f}; PyTorch MLM {torch['mlm']:.3f}, NSP {torch['nsp']:.3f}.

| round | BertNative pairs/s | PyTorch as installed | ratio | PyTorch, OMP_WAIT_POLICY=PASSIVE | ratio |
|---:|---:|---:|---:|---:|---:|
{table}

Medians: BertNative {median([x[1] for x in rows]):.1f} pairs/s; PyTorch {median([x[2] for x in rows]):.1f} as installed
(**{median([x[1] / x[2] for x in rows]):.2f}x**), {median([x[3] for x in rows]):.1f} with OMP_WAIT_POLICY=PASSIVE (**{median([x[1] / x[3] for x in rows]):.2f}x**).
"""
open(out, "w").write(text)
print(text)
PY
