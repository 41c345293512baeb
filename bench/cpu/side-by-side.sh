#!/usr/bin/env bash
# Side by side on this machine's CPU: BertNative's cpu backend vs PyTorch (Debian python3-torch,
# OpenBLAS) training the same book BERT on the same WikiText-2 batches with the same thread count.
# Writes bench/results/cpu-side-by-side-<host>.md and prints the ratio.
# Usage: bench/cpu/side-by-side.sh [steps=20] [threads=2]      (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-20}
threads=${2:-2}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
seed=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash .ci/install-deps.sh >/dev/null
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
app="dotnet src/Trainer/bin/Release/net10.0/bertnative.dll"

echo "BertNative: $steps steps, batch 512, $threads threads ..." >&2
$app pretrain --device cpu --threads "$threads" --steps "$steps" --seed $seed --data "$data" --out "$work/run" --json > "$work/ours.json"
# The first batches of that very run, for PyTorch (its train loop cycles through them).
$app data --data "$data" --seed $seed --export-batches "$work/batches.safetensors" --batches-count "$steps" --batch 512 > /dev/null

echo "PyTorch: $steps steps, batch 512, $threads threads ..." >&2
/usr/bin/python3 tests/parity/bert_torch.py train --init pytorch --config "$work/run/checkpoint/config.json" \
  --batches "$work/batches.safetensors" --steps "$steps" --threads "$threads" --device cpu --json > "$work/torch.json"

host=$(hostname -s)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
/usr/bin/python3 - "$work/ours.json" "$work/torch.json" "$steps" "$threads" "$cpu" "bench/results/$(date +%F)-cpu-side-by-side-$host.md" <<'PY'
import json, sys, datetime
ours, torch = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
steps, threads, cpu, out = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
ratio = ours["steady_pairs_per_sec"] / torch["pairs_per_sec"]
text = f"""# CPU side by side: BertNative cpu backend vs PyTorch

Machine: {cpu}, {threads} threads used by both. Date: {datetime.date.today()}.
Book BERT (2 layers, 128 hidden, 2 heads, FFN 256, V 20,256), batch 512, max_len 64, Adam lr 0.01,
{steps} steps on the same WikiText-2 batches; intended (weighted) MLM loss. Pairs/s exclude the
first (warm-up) step on both sides.

| | pairs/s | mean MLM | mean NSP |
|---|---:|---:|---:|
| BertNative ({ours['device']}) | {ours['steady_pairs_per_sec']:.1f} | {ours['mlm']:.3f} | {ours['nsp']:.3f} |
| PyTorch {torch['torch']} eager ({torch['device']}) | {torch['pairs_per_sec']:.1f} | {torch['mlm']:.3f} | {torch['nsp']:.3f} |

**Ratio: {ratio:.2f}x** PyTorch's sentence pairs per second.
"""
open(out, "w").write(text)
print(text)
PY
