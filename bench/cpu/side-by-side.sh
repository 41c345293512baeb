#!/usr/bin/env bash
# Side by side on this machine's CPU: BertNative's cpu backend vs PyTorch (Debian python3-torch, OpenBLAS)
# training the same book BERT on the same WikiText-2 batches with the same thread count, against PyTorch both
# as installed and at its best: Debian's OpenBLAS 0.3.21 may run kernels far below the CPU (its generic Prescott
# ones on new Intel Xeons), and PyTorch's spinning OpenMP threads can take the cores from OpenBLAS's. So it
# prints PyTorch's BLAS core, probes every OPENBLAS_CORETYPE this CPU can run x OMP_WAIT_POLICY (unset, PASSIVE)
# with short runs (two passes), and then times rounds of BertNative, PyTorch as installed and PyTorch with the best setting.
# "As installed" means OPENBLAS_*/OMP_WAIT_POLICY unset; the caller's values are reported, never used.
# Writes bench/results/<date>-cpu-side-by-side-<machine>.md (BENCH_MACHINE names the machine; default: the host
# name; BENCH_NOTE adds a line, e.g. that the machine was shared) and prints the ratios.
# Usage: bench/cpu/side-by-side.sh [steps=20] [threads=2] [rounds=3] [probe-steps=4]
#        (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
steps=${1:-20}
threads=${2:-2}
rounds=${3:-3}
probe_steps=${4:-4}
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
seed=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bash .ci/install-deps.sh >/dev/null
dotnet build -c Release src/Trainer -v quiet -nologo >/dev/null
app="dotnet src/Trainer/bin/Release/net10.0/bertnative.dll"

# The first batches of the run below, for PyTorch (its train loop cycles through them).
$app data --data "$data" --seed $seed --export-batches "$work/batches.safetensors" --batches-count "$steps" --batch 512 > /dev/null
$app pretrain --device cpu --threads "$threads" --steps 2 --batch 8 --seed $seed --data "$data" --out "$work/run" --json > /dev/null

caller_env=$(env | grep -E '^(OPENBLAS_[A-Z0-9_]*|OMP_WAIT_POLICY|GOTO_[A-Z_]*)=' | sort | tr '\n' ' ' || true)
clean=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OPENBLAS_VERBOSE -u OMP_WAIT_POLICY)
# torch_train [VAR=value ...] STEPS: PyTorch's training run in a clean environment plus the given settings.
torch_train() {
  local n=${*: -1}
  "${clean[@]}" "${@:1:$#-1}" /usr/bin/python3 tests/parity/bert_torch.py train --init pytorch --config "$work/run/checkpoint/config.json" \
    --batches "$work/batches.safetensors" --steps "$n" --threads "$threads" --device cpu --json
}
# core_with [VAR=value ...] [--config]: the OpenBLAS core PyTorch runs with those settings.
core_with() {
  local vars=() arg
  for arg; do [[ $arg == *=* ]] && vars+=("$arg"); done
  "${clean[@]}" "${vars[@]}" /usr/bin/python3 bench/cpu/torch_blas_core.py "${@:$((${#vars[@]} + 1))}"
}

installed_core=$(core_with)
torch_config=$(core_with --config)
echo "PyTorch's BLAS as installed: $torch_config" >&2
[ -n "$caller_env" ] && echo "(the caller's environment sets $caller_env; not used)" >&2

# The cores this CPU runs that this OpenBLAS knows (it answers an unknown name with its own choice).
flags=$(grep -m1 '^flags' /proc/cpuinfo)
candidates=()
[[ " $flags " == *" avx512_bf16 "* ]] && candidates+=(Cooperlake)
[[ " $flags " == *" avx512f "* ]] && candidates+=(SkylakeX)
[[ " $flags " == *" avx2 "* ]] && candidates+=(Haswell)
[[ " $flags " == *" avx2 "* ]] && grep -q -m1 AuthenticAMD /proc/cpuinfo && candidates+=(Zen)
settings=("")
for core in "${candidates[@]}"; do
  got=$(core_with OPENBLAS_CORETYPE=$core)
  if [ "${got,,}" = "${core,,}" ] && [ "${got,,}" != "${installed_core,,}" ]; then settings+=("OPENBLAS_CORETYPE=$core"); fi
done

# Probe each core x wait policy with short runs, twice (the second pass in reverse order, so a slow spell on a
# shared machine does not sink one setting); a setting's rate is its better run, and the fastest is "PyTorch tuned".
probe_settings=()
for core_setting in "${settings[@]}"; do
  for policy in "" "OMP_WAIT_POLICY=PASSIVE"; do probe_settings+=("$(echo $core_setting $policy)"); done
done
: > "$work/probes.tsv"
for pass in 1 2; do
  for ((i = 0; i < ${#probe_settings[@]}; i++)); do
    setting=${probe_settings[$([ $pass -eq 1 ] && echo $i || echo $((${#probe_settings[@]} - 1 - i)))]}
    read -r -a vars <<< "$setting"
    echo "probe $pass/2: PyTorch, ${setting:-as installed}, $probe_steps steps ..." >&2
    rate=$(torch_train "${vars[@]}" "$probe_steps" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pairs_per_sec"])')
    printf '%s\t%s\t%s\n' "$setting" "$pass" "$rate" >> "$work/probes.tsv"
  done
done
best=$(sort -t$'\t' -k3 -g -r "$work/probes.tsv" | head -1 | cut -f1)
read -r -a best_vars <<< "$best"
echo "best PyTorch setting: ${best:-as installed}" >&2

# Rounds alternate which side runs first, so a slow spell on a shared machine hits all sides alike; the summary is the median.
ours() { $app pretrain --device cpu --threads "$threads" --steps "$steps" --seed $seed --data "$data" --out "$work/ours-$1" --json > "$work/ours-$1.json"; }
for round in $(seq "$rounds"); do
  echo "round $round/$rounds: BertNative and PyTorch (as installed, then ${best:-as installed}), $steps steps, batch 512, $threads threads ..." >&2
  if [ $((round % 2)) -eq 1 ]; then ours "$round"; fi
  torch_train "$steps" > "$work/torch-$round.json"
  torch_train "${best_vars[@]}" "$steps" > "$work/tuned-$round.json"
  if [ $((round % 2)) -eq 0 ]; then ours "$round"; fi
done

host=${BENCH_MACHINE:-$(hostname -s)}
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
/usr/bin/python3 - "$work" "$rounds" "$steps" "$threads" "$cpu" "bench/results/$(date +%F)-cpu-side-by-side-$host.md" \
  "$torch_config" "${best:-as installed}" "$caller_env" "${BENCH_NOTE:-}" "$probe_steps" <<'PY'
import json, sys, datetime, statistics
work, rounds, steps, threads, cpu, out, torch_config, best, caller_env, note, probe_steps = sys.argv[1:12]
rounds = int(rounds)
load = lambda name, r: json.load(open(f"{work}/{name}-{r}.json"))
rows = [(r, load("ours", r)["steady_pairs_per_sec"], load("torch", r)["pairs_per_sec"], load("tuned", r)["pairs_per_sec"])
        for r in range(1, rounds + 1)]
probes = {}
for line in open(f"{work}/probes.tsv"):
    setting, probe_pass, rate = line.rstrip("\n").split("\t")
    probes.setdefault(setting, {})[probe_pass] = float(rate)
ours, torch = load("ours", 1), load("torch", 1)
median = statistics.median
table = "\n".join(f"| {r} | {o:.1f} | {t:.1f} | {o / t:.2f}x | {b:.1f} | {o / b:.2f}x |" for r, o, t, b in rows)
probe_table = "\n".join(f"| {s or 'as installed'} | {r['1']:.1f} | {r['2']:.1f} |" for s, r in probes.items())
text = f"""# CPU side by side: BertNative cpu backend vs PyTorch as installed and best-tuned

Machine: {cpu}, {threads} threads used by both. Date: {datetime.date.today()}.
Book BERT (2 layers, 128 hidden, 2 heads, FFN 256, V 20,256), batch 512, max_len 64, Adam lr 0.01,
{steps} steps on the same WikiText-2 batches; intended (weighted) MLM loss. Pairs/s exclude the
first (warm-up) step on all sides. {rounds} rounds; odd rounds run BertNative first, even rounds last.
{note}

BertNative: {ours['device']}. PyTorch {torch['torch']} eager ({torch['device']}).
PyTorch's BLAS as installed (OPENBLAS_* and OMP_WAIT_POLICY unset): {torch_config}.
{f"The caller's environment set {caller_env.strip()}; no side used it." if caller_env.strip() else ""}
Losses (same every round): BertNative MLM {ours['mlm']:.3f}, NSP {ours['nsp']:.3f}; PyTorch MLM {torch['mlm']:.3f}, NSP {torch['nsp']:.3f}.

Probe ({probe_steps} steps of PyTorch per run, two passes, the second in reverse order; the fastest run's setting is used below):

| PyTorch setting | pass 1 pairs/s | pass 2 pairs/s |
|---|---:|---:|
{probe_table}

| round | BertNative pairs/s | PyTorch as installed | ratio | PyTorch, {best} | ratio |
|---:|---:|---:|---:|---:|---:|
{table}

Medians: BertNative {median([x[1] for x in rows]):.1f} pairs/s; PyTorch {median([x[2] for x in rows]):.1f} as installed
({median([x[1] / x[2] for x in rows]):.2f}x), {median([x[3] for x in rows]):.1f} with {best}: **BertNative is {median([x[1] / x[3] for x in rows]):.2f}x the best-tuned PyTorch**.
"""
open(out, "w").write(text)
print(text)
PY
