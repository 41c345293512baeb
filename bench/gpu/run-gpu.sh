#!/usr/bin/env bash
# One command on a GPU box that has nvcc, CMake and Python with PyTorch, but no .NET SDK. It takes
# the folder bench/gpu/prepare.sh made (a .NET runtime, the prebuilt outputs, WikiText-2), then:
#   build   libbertnative_kernels.so with the box's own CUDA, copied next to every .NET output
#   tests   the GPU tests (NUnit category GPU) from the test assembly; Inconclusive counts as failed here
#   book    the book's 50 steps on cuda (intended and --book-pytorch) and on ilgpu, losses checked against the bands
#   torch   PyTorch eager on the same GPU, same model, same first 50 batches of the same seed
#   bench   BenchmarkDotNet op and training-step benchmarks on the GPU backends
# and prints one summary table, also written to $OUT/summary.md. Exits non-zero if a stage failed.
#
# Usage: bash bench/gpu/run-gpu.sh device            (STAGES="build tests book torch bench" by default)
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$(cd "${1:-device}" && pwd)"
out="${OUT:-$repo/runs/gpu}"
stages=" ${STAGES:-build tests book torch bench} "
unpacked="$repo/build/gpu-unpacked"   # outside the carried folder, so it never travels
mkdir -p "$out" "$unpacked"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

declare -a rows=()
failed=0
row() { rows+=("| $1 | $2 | $3 |"); [ "$2" = FAIL ] && failed=1; return 0; }
wants() { [[ "$stages" == *" $1 "* ]]; }
in_band() { python3 -c "import sys; v=float(sys.argv[1]); sys.exit(0 if float(sys.argv[2]) <= v <= float(sys.argv[3]) else 1)" "$@"; }

# ---- the machine and the unpacked .NET side ----
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
row "gpu" "${gpu:+ok}${gpu:-FAIL}" "${gpu:-nvidia-smi found no GPU}"
for archive in dotnet-runtime prebuilt wikitext-2; do
  [ -d "$unpacked/$archive" ] || { mkdir -p "$unpacked/$archive" && tar -C "$unpacked/$archive" -xJf "$pack/$archive.tar.xz"; }
done
export DOTNET_ROOT="$unpacked/dotnet-runtime"
dotnet="$DOTNET_ROOT/dotnet"
prebuilt="$unpacked/prebuilt/prebuilt"
data="$unpacked/wikitext-2/wikitext-2"
export BERTNATIVE_DATA="$data"
app() { "$dotnet" "$prebuilt/trainer/bertnative.dll" "$@"; }

# ---- build: the native library with this box's CUDA ----
if wants build; then
  library="$repo/build/gpu/libbertnative_kernels.so"
  if (cd "$repo" && cmake -S . -B build/gpu -DCMAKE_BUILD_TYPE=Release ${CMAKE_CUDA_ARCHITECTURES:+-DCMAKE_CUDA_ARCHITECTURES="$CMAKE_CUDA_ARCHITECTURES"} \
        && cmake --build build/gpu -j) >"$out/cmake.log" 2>&1 && [ -f "$library" ]; then
    for dir in "$prebuilt"/*/; do cp "$library" "$dir"; done
    row "native build" ok "$(nvcc --version | tail -1)"
  else
    row "native build" FAIL "see cmake.log"; tail -30 "$out/cmake.log"
  fi
fi

# ---- tests: every GPU test must run and pass ----
if wants tests; then
  (cd "$prebuilt/tests" && "$dotnet" BertNative.Tests.dll --filter "TestCategory=GPU") >"$out/gpu-tests.log" 2>&1
  status=$?
  count() { awk -v key="$1" '$1 == key":" {print $2}' "$out/gpu-tests.log" | tail -1; }
  summary="total $(count total), passed $(count succeeded), failed $(count failed), inconclusive $(count skipped)"
  if [ "$status" -eq 0 ] && [ "$(count skipped)" = 0 ]; then row "gpu tests" ok "$summary"
  else row "gpu tests" FAIL "$summary (exit $status; gpu-tests.log)"; grep -E "^failed |unavailable" "$out/gpu-tests.log" | head -20; fi
fi

# ---- book: the 50 steps on each GPU backend ----
book() { # name device extra-args...; checks the bands of bench/results/*cpu-book-runs*.md
  local name=$1 device=$2; shift 2
  if app pretrain --device "$device" --seed 1 --out "$out/$name" --json "$@" >"$out/$name.json" 2>"$out/$name.log"; then
    read -r mlm nsp pps < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['mlm'], d['nsp'], d['steady_pairs_per_sec'])" "$out/$name.json")
    local lo hi nlo nhi; if [[ " $* " == *" --book-pytorch "* ]]; then lo=5.2 hi=5.9 nlo=0.70 nhi=0.82; else lo=7.2 hi=7.45 nlo=0.65 nhi=0.95; fi
    if in_band "$mlm" $lo $hi && in_band "$nsp" $nlo $nhi; then row "book $name" ok "MLM $mlm, NSP $nsp, $pps pairs/s"
    else row "book $name" FAIL "MLM $mlm (band $lo-$hi), NSP $nsp (band $nlo-$nhi), $pps pairs/s"; fi
  else row "book $name" FAIL "see $name.log"; tail -5 "$out/$name.log"; fi
}
if wants book; then
  book cuda cuda
  book cuda-book-pytorch cuda --book-pytorch
  book ilgpu ilgpu
fi

# ---- torch: PyTorch eager, same GPU, same batches ----
if wants torch; then
  app data --seed 1 --export-batches "$out/batches.safetensors" --batches-count 50 --batch 512 >/dev/null 2>"$out/export.log"
  config="$out/cuda/checkpoint/config.json"
  if [ -f "$config" ] && python3 "$repo/tests/parity/bert_torch.py" train --init pytorch --config "$config" --batches "$out/batches.safetensors" \
        --steps 50 --device cuda --json >"$out/torch.json" 2>"$out/torch.log"; then
    read -r tpps tmlm tnsp < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['pairs_per_sec'], d['mlm'], d['nsp'])" "$out/torch.json")
    row "pytorch eager" ok "MLM $tmlm, NSP $tnsp, $tpps pairs/s"
    for name in cuda ilgpu; do
      [ -f "$out/$name.json" ] || continue
      ratio=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['steady_pairs_per_sec'] / float(sys.argv[2]), 2))" "$out/$name.json" "$tpps")
      row "ratio $name / pytorch" ok "${ratio}x"
    done
  else row "pytorch eager" FAIL "see torch.log (needs $config from the book stage)"; tail -5 "$out/torch.log"; fi
fi

# ---- bench: op and step benchmarks on the GPU backends ----
if wants bench; then
  if (cd "$prebuilt/bench" && BERTNATIVE_BENCH_BACKENDS=cuda,ilgpu "$dotnet" BertNative.Bench.dll --filter '*OpBenchmarks*' '*TrainStep*' \
        --artifacts "$out/bench") >"$out/bench.log" 2>&1; then
    row "benchmarks" ok "tables in bench.log and bench/results/"
  else row "benchmarks" FAIL "see bench.log"; tail -20 "$out/bench.log"; fi
fi

{
  echo "# BertNative GPU run, $(date -u +%F)"
  echo
  echo "GPU: ${gpu:-none}"
  echo
  echo "| stage | status | detail |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee "$out/summary.md"
exit "$failed"
