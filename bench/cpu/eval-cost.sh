#!/usr/bin/env bash
# Evaluation throughput and the cost of pretrain --eval-every on the book's run (50 steps, batch 512, WikiText-2):
# the same seed trained without evaluation and with --eval-every N (so 50/N evaluations of wiki.valid.tokens),
# then `evaluate` on the valid and test splits. Writes bench/results/<date>-eval-cost-<machine>.md
# (BENCH_MACHINE names the machine; default: the host name).
# Usage: bench/cpu/eval-cost.sh [eval-every=10] [rounds=2]   (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
every=${1:-10}
rounds=${2:-2}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
cp -r src/Trainer/bin/Release/net10.0 "$work/app" # a rebuild during the bench does not change what it runs
app="dotnet $work/app/bertnative.dll"

cat /proc/loadavg > "$work/load-before"
for round in $(seq "$rounds"); do
  for mode in plain eval; do
    echo "round $round/$rounds: pretrain ($mode) ..." >&2
    extra=(); [ "$mode" = eval ] && extra=(--eval-every "$every")
    start=$(date +%s.%N)
    $app pretrain --device cpu --seed 1 --data "$data" --out "$work/$mode-$round" "${extra[@]}" --json > "$work/$mode-$round.json" 2>/dev/null
    awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { print e - s }' > "$work/$mode-$round.wall"
  done
  for split in valid test; do
    echo "round $round/$rounds: evaluate $split ..." >&2
    $app evaluate --device cpu --checkpoint "$work/eval-$round/checkpoint" --split "$split" --data "$data" --json > "$work/evaluate-$split-$round.json" 2>/dev/null
  done
done

cat /proc/loadavg > "$work/load-after"
python3 - "$work" "$rounds" "$every" "bench/results/$(date +%F)-eval-cost-${BENCH_MACHINE:-$(hostname -s)}.md" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores" <<'PY'
import json, sys, statistics
work, rounds, every, out, cpu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = []
for r in range(1, rounds + 1):
    plain = json.load(open(f"{work}/plain-{r}.json")); ev = json.load(open(f"{work}/eval-{r}.json"))
    wall_plain = float(open(f"{work}/plain-{r}.wall").read()); wall_eval = float(open(f"{work}/eval-{r}.wall").read())
    evals = [json.loads(l) for l in open(f"{work}/eval-{r}/metrics.jsonl") if '"split"' in l]
    splits = {s: json.load(open(f"{work}/evaluate-{s}-{r}.json")) for s in ("valid", "test")}
    rows.append((r, plain, ev, wall_plain, wall_eval, evals, splits))
lines = [f"# Evaluation throughput and the cost of --eval-every {every} ({cpu})", "",
         "Book run: 50 steps of 512 pairs, book model, seed 1, cpu backend. Load average (1, 5, 15 min) before: "
         + " ".join(open(f"{work}/load-before").read().split()[:3]) + ", after: " + " ".join(open(f"{work}/load-after").read().split()[:3])
         + " (on 2 cores, anything above 2 means other work shared them: wall times and pairs/s are then noisy).", "",
         "| round | pretrain wall s | with --eval-every wall s | evaluations | s per evaluation (mean) | evaluation share of that run's wall | train pairs/s without / with |",
         "|---|---|---|---|---|---|---|"]
for r, plain, ev, wp, we, evals, splits in rows:
    per = statistics.mean(e["seconds"] for e in evals)
    share = sum(e["seconds"] for e in evals) / we
    lines.append(f"| {r} | {wp:.1f} | {we:.1f} | {len(evals)} | {per:.2f} ({evals[0]['examples']} examples) | {100 * share:.0f}% | {plain['pairs_per_sec']:.0f} / {ev['pairs_per_sec']:.0f} |")
lines += ["", "`evaluate` (inference mode, batch 256):", "", "| round | split | examples | seconds | examples/s | MLM loss | perplexity | MLM accuracy | NSP loss | NSP accuracy |", "|---|---|---|---|---|---|---|---|---|---|"]
for r, plain, ev, wp, we, evals, splits in rows:
    for s, j in splits.items():
        lines.append(f"| {r} | {s} | {j['examples']} | {j['seconds']:.2f} | {j['examples_per_second']:.0f} | {j['mlm_loss']:.3f} | {j['perplexity']:.0f} | {100 * j['mlm_accuracy']:.1f}% | {j['nsp_loss']:.3f} | {100 * j['nsp_accuracy']:.1f}% |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"wrote {out}", file=sys.stderr)
PY
