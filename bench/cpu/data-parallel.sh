#!/usr/bin/env bash
# Data parallelism on this machine's CPU, in one run: the ring's bus bandwidth next to memcpy, then the book
# config trained three ways on the same cores, alternating in rounds so a slow spell on a shared machine hits
# all of them: one process with every thread; --replicas N with one thread each (overlap on and off); and
# mpirun -np N with one thread each. Reports pairs/s and the share of the step spent waiting for the gradient sums.
# Writes bench/results/<date>-cpu-data-parallel-<machine>.md (BENCH_MACHINE names the machine).
# Usage: bench/cpu/data-parallel.sh [steps=20] [replicas=2] [rounds=3]   (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-20}
n=${2:-2}
rounds=${3:-3}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
machine=${BENCH_MACHINE:-$(hostname)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash .ci/install-deps.sh >/dev/null
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
dotnet build -c Release bench -v quiet -nologo >/dev/null
app="dotnet src/Trainer/bin/Release/net10.0/bertnative.dll"
mpirun_root=(); [ "$(id -u)" -eq 0 ] && mpirun_root=(--allow-run-as-root)
common=(--device cpu --steps "$steps" --seed 1 --data "$data" --json)

echo "ring bus bandwidth ..." >&2
ring=$(dotnet bench/bin/Release/net10.0/BertNative.Bench.dll ring)

run() { # name, then the command; keeps the --json summary
  local name=$1; shift
  "$@" --out "$work/run-$name-$round" > "$work/$name-$round.json"
}
for round in $(seq "$rounds"); do
  echo "round $round/$rounds ..." >&2
  run single $app pretrain "${common[@]}" --threads "$n"
  run replicas $app pretrain "${common[@]}" --threads "$n" --replicas "$n"
  run replicas-no-overlap $app pretrain "${common[@]}" --threads "$n" --replicas "$n" --no-overlap
  run mpi mpirun "${mpirun_root[@]}" --oversubscribe --bind-to none -np "$n" $app pretrain "${common[@]}" --threads 1 --distributed mpi
done

out="bench/results/$(date +%F)-cpu-data-parallel-$machine.md"
python3 - "$work" "$rounds" "$steps" "$n" "$machine" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" > "$out" <<'PY'
import json, statistics, sys
work, rounds, steps, n, machine, cpu = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
def load(name):
    runs = []
    for r in range(1, rounds + 1):
        text = open(f"{work}/{name}-{r}.json").read()
        runs.append(json.loads(text[text.index("{"):]))  # mpirun may prefix terminal codes
    return runs
rows = [("1 process, %s threads" % n, "single"), ("--replicas %s, 1 thread each" % n, "replicas"),
        ("--replicas %s, --no-overlap" % n, "replicas-no-overlap"), ("mpirun -np %s, 1 thread each" % n, "mpi")]
base = statistics.median(r["steady_pairs_per_sec"] for r in load("single"))
print(f"# Data parallelism on the CPU: {machine} ({cpu}, {n} cores)\n")
print(f"`bench/cpu/data-parallel.sh {steps} {n} {rounds}`: the book config (batch 512, max_len 64), {steps} steps per run, "
      f"{rounds} alternating rounds; pairs/s without the first step; medians with the range.\n")
print("| configuration | pairs/s | vs 1 process | MLM loss | NSP loss | waiting for gradient sums |")
print("|---|---:|---:|---:|---:|---:|")
for label, name in rows:
    runs = load(name)
    pps = [r["steady_pairs_per_sec"] for r in runs]
    wait = [r.get("allreduce_wait_share", 0) for r in runs]
    print(f"| {label} | {statistics.median(pps):.1f} ({min(pps):.1f}–{max(pps):.1f}) | {statistics.median(pps)/base:.2f}x | "
          f"{runs[0]['mlm']:.4f} | {runs[0]['nsp']:.4f} | {'' if name == 'single' else f'{statistics.median(wait):.1%}'} |")
print()
PY
{ echo "## Ring all-reduce (\`dotnet bench/bin/Release/net10.0/BertNative.Bench.dll ring\`)"; echo; echo "$ring"; echo; } >> "$out"
cat "$out"
echo "wrote $out" >&2
