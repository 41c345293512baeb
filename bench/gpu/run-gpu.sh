#!/usr/bin/env bash
# One call on a GPU box that has a GPU driver (and ideally nvcc, CMake, compute-sanitizer and Python
# with PyTorch) but no .NET SDK. Takes the folder bench/gpu/prepare.sh made (a .NET runtime, the
# prebuilt outputs, WikiText-2) and runs these stages, each under its own timeout and all inside one
# time budget (BUDGET_S, default 540 s, so that a 10-minute command limit never cuts the last row):
#   build      libbertnative_kernels.so with the box's own CUDA (only the box's architecture)
#   cuda-ops   cuda op tests (tests/Gpu) + the shared cuda cases of tests/Ops, BERTNATIVE_CUDA_SYNC=1
#   ilgpu-ops  ilgpu op tests on the GPU (tests/Ilgpu's CUDA fixtures + the ilgpu-cuda parity cases)
#   step       one whole training step cuda / ilgpu vs cpu, and cuda + ilgpu interleaved in one process
#   book       the book's 50 steps, once each: cuda (intended loss, --book-pytorch), ilgpu; loss bands
#              (through the CLI; GpuBookRunTests, the same check as a test, is left out of the test stages)
#   torch      our cuda at TF32, then PyTorch eager on the same GPU, model and batches at fp32 and TF32,
#              with our ratios
#   ring       the data-parallel ring's GPU tests (names containing "Ring"), then NcclCommunicator's
#              one-rank test with the libnccl.so.2 PyTorch's nvidia-nccl package brings, when present
#   sanitizer  the small-shape cuda parity cases under compute-sanitizer --tool memcheck, when present
#   bench      (not default: a second call) BenchmarkDotNet op and step benchmarks on cuda and ilgpu
# After a failed native build the cuda stages are skipped and the ilgpu ones still run. Without a GPU
# (a dry run) every stage still runs its mechanics and reports "no GPU".
# $OUT gets at most three files (see harness.sh); run folders, batches and artifacts stay in $WORK.
#
# Usage: bash bench/gpu/run-gpu.sh device                 (the default stages)
#        STAGES=bench bash bench/gpu/run-gpu.sh device    (the benchmarks, in a second call)
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$(cd "${1:-device}" && pwd)" || { echo "run-gpu: no folder ${1:-device}: run bench/gpu/prepare.sh first" >&2; exit 2; }
out="${OUT:-$repo/runs/gpu-out}"
work="${WORK:-$repo/build/gpu-work}"
stages=" ${STAGES:-build cuda-ops ilgpu-ops step book torch ring sanitizer} "
budget_seconds=${BUDGET_S:-540}
start_seconds=$SECONDS
logs="$work/logs"
unpacked="$repo/build/gpu-unpacked"   # outside the carried folder, so it never travels back
rm -rf "$work" && mkdir -p "$out" "$logs"
rm -f "$out/summary.md" "$out/results.json" "$out/logs.tar.gz"
: >"$work/rows.tsv"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
failed=0
# shellcheck source=bench/gpu/harness.sh
source "$repo/bench/gpu/harness.sh"
wants() { [[ "$stages" == *" $1 "* ]]; }

# ---- the machine ----
# Even the probes have timeouts: a wedged driver can hang nvidia-smi.
gpu="$(timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
have_gpu=0; [ -n "$gpu" ] && have_gpu=1
capability="$(timeout 30 nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d .)"
nvcc_line="$(nvcc --version 2>/dev/null | tail -1)"
sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)"
# The first interpreter that imports torch ($PYTHON, Debian's, then PATH's: a pyenv shim may shadow Debian's).
python=""
for candidate in ${PYTHON:-} /usr/bin/python3 python3; do
  torch_line="$(timeout 60 "$candidate" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null)" && { python=$candidate; break; }
done
{
  echo "# BertNative GPU run, $(date -u +%F)"
  echo
  echo "GPU: ${gpu:-none (nvidia-smi found no GPU)}; nvcc: ${nvcc_line:-none}; compute-sanitizer: ${sanitizer:-none}; PyTorch: ${torch_line:-none}"
  echo "Stages: ${stages# }; budget ${budget_seconds}s; GEMM precision fp32 unless a row says tf32"
  echo
  echo "| stage | status | detail | seconds |"
  echo "|---|---|---|---|"
} >"$out/summary.md"

rm -rf "$unpacked"   # always the archives just carried, never a previous run's
for archive in dotnet-runtime prebuilt wikitext-2; do
  mkdir -p "$unpacked/$archive" && timeout 120 tar -C "$unpacked/$archive" -xJf "$pack/$archive.tar.xz" \
    || { echo "run-gpu: cannot unpack $pack/$archive.tar.xz: rerun bench/gpu/prepare.sh" >&2; exit 1; }
done
export DOTNET_ROOT="$unpacked/dotnet-runtime"
dotnet="$DOTNET_ROOT/dotnet"
prebuilt="$unpacked/prebuilt/prebuilt"
export BERTNATIVE_DATA="$unpacked/wikitext-2/wikitext-2"
row machine "$([ $have_gpu = 1 ] && echo ok || echo "no GPU")" "${gpu:-nvidia-smi found no GPU}${capability:+, sm_$capability}" "$SECONDS"

# ---- build: the native library with this box's CUDA, for this box's architecture only ----
native_ok=0
if wants build; then
  began=$SECONDS limit=$(limit_for 300)
  library="$work/native/libbertnative_kernels.so"
  arch=${CMAKE_CUDA_ARCHITECTURES:-${capability:-90}-real}   # no GPU (dry run): an H100/H200's sm_90
  # Debian's nvcc 11.8 rejects gcc 12 (as in .ci/compile-kernels.sh)
  if [ -z "${CUDAHOSTCXX:-}" ] && command -v clang++-14 >/dev/null; then export CUDAHOSTCXX=clang++-14; fi
  if [ -z "$nvcc_line" ]; then row "native build" FAIL "nvcc not on PATH: cuda stages skipped" 0
  elif (( limit == 0 )); then row "native build" skipped "time budget spent: cuda stages skipped" 0
  else
    (cd "$repo" && timeout -k 10 "$limit" bash -c 'cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="$2" \
        -DCMAKE_CUDA_COMPILER="$(command -v nvcc)" && cmake --build "$1" -j "$(nproc)"' build "$work/native" "$arch") \
        >"$logs/native-build.log" 2>&1
    status=$? took=$(( SECONDS - began ))
    if (( status == 0 )) && [ -f "$library" ]; then
      for dir in "$prebuilt"/*/; do cp "$library" "$dir"; done
      native_ok=1
      row "native build" ok "sm_${arch%-real}, $nvcc_line" "$took"
    elif (( status == 124 || status == 137 )); then row "native build" TIMEOUT "killed after ${limit}s: cuda stages skipped" "$took"
    else
      why=$(grep -v 'CMake Error at' "$logs/native-build.log" | grep -m1 -iE 'error|unsupported|not found' | sed 's/^ *//' | cut -c1-200)
      row "native build" FAIL "cuda stages skipped; ${why:-see native-build.log}" "$took"
    fi
  fi
fi
cuda_ready() { (( native_ok )) || { row "$1" skipped "no native library (build failed or not run)"; return 1; }; }

# ---- op parity and whole steps ----
if wants cuda-ops && cuda_ready "cuda op parity"; then
  run_tests "cuda op parity" 150 \
    "TestCategory=GPU&FullyQualifiedName!~CudaAndIlgpu&(FullyQualifiedName~BertNative.Tests.Gpu.|(FullyQualifiedName~BertNative.Tests.Ops.&Name~cuda&Name!~ilgpu))" \
    BERTNATIVE_CUDA_SYNC=1
fi
if wants ilgpu-ops; then
  run_tests "ilgpu op parity" 150 \
    "TestCategory=GPU&(FullyQualifiedName~BertNative.Tests.Ilgpu.|(FullyQualifiedName~BertNative.Tests.Ops.&Name~ilgpu))"
fi
if wants step; then
  if (( native_ok )); then
    run_tests "whole step cuda/ilgpu" 120 "TestCategory=GPU&(FullyQualifiedName~WholeStepParityTests|FullyQualifiedName~CudaAndIlgpuTogetherTests)"
  else
    run_tests "whole step ilgpu" 120 "TestCategory=GPU&FullyQualifiedName~WholeStepParityTests&Name~ilgpu"
  fi
fi

# ---- book: the 50 steps, once per backend and loss mode ----
in_band() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
json_field() { sed -nE "s/.*\"$1\": *\"?([^,\"}]*).*/\1/p" "$2" | head -1; }
# pretrain_row STAGE WANT_SECONDS BANDS(intended|book-pytorch|none) pretrain-args...
pretrain_row() {
  local stage=$1 want=$2 bands=$3; shift 3
  local limit; limit=$(limit_for "$want")
  (( limit == 0 )) && { row "$stage" skipped "time budget spent"; return; }
  local name=${stage// /-} began=$SECONDS
  timeout -k 10 "$limit" "$dotnet" "$prebuilt/trainer/bertnative.dll" pretrain --seed 1 --out "$work/runs/$name" --json "$@" \
    >"$work/$name.json" 2>"$logs/$name.log"
  local status=$? took=$(( SECONDS - began ))
  cp "$work/$name.json" "$logs/$name.json" 2>/dev/null
  if (( status == 124 || status == 137 )); then row "$stage" TIMEOUT "killed after ${limit}s" "$took"; return; fi
  if (( status != 0 )); then
    local why; why=$(grep -v '^\s*$' "$logs/$name.log" | tail -1 | cut -c1-240)
    row "$stage" "$([ $have_gpu = 1 ] && echo FAIL || echo "no GPU")" "exit $status: $why" "$took"; return
  fi
  local mlm nsp pps device lo hi nlo nhi
  mlm=$(json_field mlm "$work/$name.json") nsp=$(json_field nsp "$work/$name.json")
  pps=$(json_field steady_pairs_per_sec "$work/$name.json") device=$(json_field device "$work/$name.json")
  if [ "$bands" = none ]; then row "$stage" ok "MLM $mlm, NSP $nsp, $pps pairs/s ($device)" "$took"; return; fi
  read -r lo hi nlo nhi < <(awk -v loss="$bands" '$1 == loss { print $2, $3, $4, $5 }' "$repo/bench/book-loss-bands.tsv")
  if in_band "$mlm" $lo $hi && in_band "$nsp" $nlo $nhi; then row "$stage" ok "MLM $mlm, NSP $nsp, $pps pairs/s ($device)" "$took"
  else row "$stage" FAIL "MLM $mlm (band $lo-$hi), NSP $nsp (band $nlo-$nhi), $pps pairs/s" "$took"; fi
}
pairs_of() { json_field "$1" "$work/$2.json" 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2fx", a / b; else print "n/a" }'; }

if wants book; then
  if cuda_ready "book cuda fp32"; then
    pretrain_row "book cuda fp32" 100 intended --device cuda --precision fp32
    pretrain_row "book cuda fp32 book-pytorch" 100 book-pytorch --device cuda --precision fp32 --book-pytorch
  fi
  pretrain_row "book ilgpu" 150 intended --device ilgpu
  ours=$(pairs_of steady_pairs_per_sec book-cuda-fp32) ilgpu=$(pairs_of steady_pairs_per_sec book-ilgpu)
  [ -n "$ours" ] && [ -n "$ilgpu" ] && row "ratio ilgpu / cuda" ok "$(ratio "$ilgpu" "$ours") (target >= 0.33x)" 0
fi

# ---- torch: PyTorch eager on the same GPU, the same model and the same first 50 batches ----
torch_row() { # STAGE PRECISION OUR_RUN
  local stage=$1 precision=$2 ours=$3
  local limit; limit=$(limit_for 90)
  (( limit == 0 )) && { row "$stage" skipped "time budget spent"; return; }
  local began=$SECONDS name=${stage// /-}
  timeout -k 10 "$limit" "$python" "$repo/tests/parity/bert_torch.py" train --init pytorch --config "$config" \
    --batches "$work/batches.safetensors" --steps 50 --device cuda --precision "$precision" --json \
    >"$work/$name.json" 2>"$logs/$name.log"
  local status=$? took=$(( SECONDS - began ))
  if (( status == 124 || status == 137 )); then row "$stage" TIMEOUT "killed after ${limit}s" "$took"; return; fi
  if (( status != 0 )); then
    row "$stage" "$([ $have_gpu = 1 ] && echo FAIL || echo "no GPU")" "exit $status: $(tail -1 "$logs/$name.log" | cut -c1-200)" "$took"; return
  fi
  local torch_pps mlm nsp our_pps
  torch_pps=$(json_field pairs_per_sec "$work/$name.json") mlm=$(json_field mlm "$work/$name.json") nsp=$(json_field nsp "$work/$name.json")
  our_pps=$(pairs_of steady_pairs_per_sec "$ours")
  row "$stage" ok "MLM $mlm, NSP $nsp, $torch_pps pairs/s; ours ${our_pps:-n/a} pairs/s: $(ratio "${our_pps:-0}" "$torch_pps")" "$took"
}
if wants torch; then
  if cuda_ready "cuda tf32"; then pretrain_row "cuda tf32" 100 none --device cuda --precision tf32; fi
  config=$(ls "$work"/runs/*/checkpoint/config.json 2>/dev/null | head -1)
  limit=$(limit_for 60)
  if [ -z "$torch_line" ]; then row "pytorch" skipped "no python3 here imports torch" 0
  elif (( limit == 0 )); then row "pytorch" skipped "time budget spent" 0
  else
    if [ -z "$config" ]; then  # no GPU run finished: the book config from one tiny cpu step
      timeout -k 5 "$limit" "$dotnet" "$prebuilt/trainer/bertnative.dll" pretrain --device cpu --steps 1 --batch 2 --seed 1 \
        --out "$work/runs/config-only" >/dev/null 2>"$logs/config-only.log"
      config=$(ls "$work"/runs/*/checkpoint/config.json 2>/dev/null | head -1)
    fi
    limit=$(limit_for 60)   # timeout 0 would mean no limit at all
    (( limit > 0 )) && timeout -k 5 "$limit" "$dotnet" "$prebuilt/trainer/bertnative.dll" data --seed 1 \
      --export-batches "$work/batches.safetensors" --batches-count 50 --batch 512 >/dev/null 2>"$logs/export.log"
    if [ -z "$config" ] || [ ! -f "$work/batches.safetensors" ]; then
      row "pytorch" FAIL "no checkpoint/config.json or batches (config-only.log, export.log)" 0
    else
      torch_row "pytorch fp32" fp32 book-cuda-fp32
      torch_row "pytorch tf32" tf32 cuda-tf32
    fi
  fi
fi

# ---- ring: the data-parallel GPU tests: the cuda ring, then NCCL when PyTorch brought a libnccl ----
if wants ring; then
  run_tests "ring" 90 "TestCategory=GPU&FullyQualifiedName~Ring"
  nccl_lib=$(python3 -c 'import nvidia.nccl, os; print(os.path.join(list(nvidia.nccl.__path__)[0], "lib"))' 2>/dev/null)
  if [ -n "$nccl_lib" ] && [ -e "$nccl_lib/libnccl.so.2" ]; then
    run_tests "nccl (one rank)" 60 "TestCategory=GPU&FullyQualifiedName~NcclCommunicator" LD_LIBRARY_PATH="$nccl_lib:${LD_LIBRARY_PATH:-}"
  else row "nccl (one rank)" skipped "no libnccl.so.2 (PyTorch's nvidia-nccl package not found)" 0
  fi
fi

# ---- sanitizer: small shapes only (memcheck is ~100x slower) ----
if wants sanitizer && cuda_ready "sanitizer memcheck"; then
  if [ -z "$sanitizer" ]; then row "sanitizer memcheck" skipped "compute-sanitizer not found" 0
  else
    limit=$(limit_for 150) began=$SECONDS
    if (( limit == 0 )); then row "sanitizer memcheck" skipped "time budget spent"
    else
      (cd "$prebuilt/tests" && BERTNATIVE_CUDA_SYNC=1 timeout -k 10 "$limit" "$sanitizer" --tool memcheck --error-exitcode 99 \
         --target-processes all "$dotnet" BertNative.Tests.dll --filter "FullyQualifiedName~BackendParityTests&Name~cuda&Name!~ilgpu&TestCategory!=LargeShapes") \
         >"$logs/sanitizer.log" 2>&1
      status=$? took=$(( SECONDS - began ))
      errors=$(grep -m1 -oE 'ERROR SUMMARY: [0-9]+ error' "$logs/sanitizer.log")
      if (( status == 0 )); then row "sanitizer memcheck" ok "${errors:-no error summary}" "$took"
      elif (( status == 124 || status == 137 )); then row "sanitizer memcheck" TIMEOUT "killed after ${limit}s" "$took"
      elif (( ! have_gpu )); then row "sanitizer memcheck" "no GPU" "exit $status: $(grep -v '^\s*$' "$logs/sanitizer.log" | tail -1 | cut -c1-160)" "$took"
      else
        where=$(grep -m1 -A3 -E '^========= Invalid|^========= Program hit' "$logs/sanitizer.log" | tr '\n' ' ' | cut -c1-240)
        op=$(first_failing_op "$logs/sanitizer.log")
        row "sanitizer memcheck" FAIL "exit $status, ${errors:-?}${op:+; first failing op: $op}; $where" "$took"
      fi
    fi
  fi
fi

# ---- bench: a second call ----
if wants bench; then
  limit=$(limit_for 500) began=$SECONDS
  if (( limit == 0 )); then row "benchmarks" skipped "time budget spent"
  else
    (cd "$prebuilt/bench" && BERTNATIVE_BENCH_BACKENDS=cuda,ilgpu timeout -k 10 "$limit" "$dotnet" BertNative.Bench.dll \
       --filter '*OpBenchmarks*' '*TrainStep*' --artifacts "$work/bench") >"$logs/bench.log" 2>&1
    status=$? took=$(( SECONDS - began ))
    cp "$work"/bench/results/*.md "$logs/" 2>/dev/null
    if (( status == 0 )); then row "benchmarks" ok "tables in logs.tar.gz (*-report-github.md)" "$took"
    elif (( status == 124 || status == 137 )); then row "benchmarks" TIMEOUT "killed after ${limit}s; finished tables in logs.tar.gz" "$took"
    else row "benchmarks" "$([ $have_gpu = 1 ] && echo FAIL || echo "no GPU")" "exit $status; bench.log" "$took"; fi
  fi
fi

echo "" >>"$out/summary.md"
echo "Finished in $(( SECONDS - start_seconds ))s; files in \$OUT: $(ls "$out" | tr '\n' ' ')" >>"$out/summary.md"
pack_logs
cat "$out/summary.md"
exit "$failed"
