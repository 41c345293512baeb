#!/usr/bin/env bash
# One command on a GPU box that has nvcc, CMake and only a .NET runtime (no SDK):
#   1. builds libbertnative_kernels.so with the box's own CUDA (cmake -S . -B build),
#   2. copies it next to the prebuilt framework-dependent .NET outputs,
#   3. runs the GPU tests (NUnit category GPU) from the prebuilt test assembly,
#   4. runs the PyTorch-on-GPU side-by-side (a placeholder until the bench harness lands),
# then prints one summary table. Exits non-zero if any step failed.
#
# Usage: DOTNET_ROOT=/opt/dotnet bench/gpu/run-gpu.sh PREBUILT_DIR
#   PREBUILT_DIR (or $BERTNATIVE_PREBUILT): a folder holding the outputs of `dotnet build`
#   (e.g. tests/bin/Release/net10.0 copied as PREBUILT_DIR/tests); every folder under it that
#   contains BertNative.Interop.dll gets the library.
# Optional: CMAKE_CUDA_ARCHITECTURES (default 80-real;90-real;90-virtual, or "native"),
#   CUDAHOSTCXX, TEST_FILTER (default TestCategory=GPU), OUT (folder for the logs).
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
prebuilt="${1:-${BERTNATIVE_PREBUILT:-}}"
out="${OUT:-$repo/runs/gpu}"
filter="${TEST_FILTER:-TestCategory=GPU}"
mkdir -p "$out"

declare -a rows=()
failed=0
row() { rows+=("$(printf '%-22s %-6s %s' "$1" "$2" "$3")"); [ "$2" = FAIL ] && failed=1; return 0; }

# ---- 0. the machine ----
if command -v nvidia-smi >/dev/null; then
  gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -1)"
  row "gpu" ok "$gpu"
else
  row "gpu" FAIL "nvidia-smi not found"
fi

# ---- 1. native library ----
arch_flag=()
[ -n "${CMAKE_CUDA_ARCHITECTURES:-}" ] && arch_flag=(-DCMAKE_CUDA_ARCHITECTURES="$CMAKE_CUDA_ARCHITECTURES")
library="$repo/build/libbertnative_kernels.so"
if (cd "$repo" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "${arch_flag[@]}" && cmake --build build -j) >"$out/cmake.log" 2>&1 \
   && [ -f "$library" ]; then
  row "native build" ok "$(nvcc --version | tail -1); $library"
else
  row "native build" FAIL "see $out/cmake.log"; tail -30 "$out/cmake.log"
fi

# ---- 2. copy next to the .NET outputs ----
dotnet_cmd="${DOTNET_ROOT:+$DOTNET_ROOT/}dotnet"
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
tests_dll=""
if [ -z "$prebuilt" ] || [ ! -d "$prebuilt" ]; then
  row "copy library" FAIL "no prebuilt outputs folder (argument or \$BERTNATIVE_PREBUILT)"
elif [ -f "$library" ]; then
  copied=0
  while IFS= read -r dir; do cp "$library" "$dir/" && copied=$((copied + 1)); done \
    < <(find "$prebuilt" -name BertNative.Interop.dll -printf '%h\n' | sort -u)
  tests_dll="$(find "$prebuilt" -name BertNative.Tests.dll | head -1)"
  if [ "$copied" -gt 0 ]; then row "copy library" ok "into $copied output folder(s)"; else row "copy library" FAIL "no BertNative.Interop.dll under $prebuilt"; fi
fi

# ---- 3. GPU tests from the test assembly (NUnit runner, no SDK needed) ----
if [ -n "$tests_dll" ]; then
  (cd "$(dirname "$tests_dll")" && "$dotnet_cmd" BertNative.Tests.dll --filter "$filter") >"$out/gpu-tests.log" 2>&1
  status=$?
  count() { awk -v key="$1" '$1 == key":" {print $2}' "$out/gpu-tests.log" | tail -1; }
  total=$(count total); passed=$(count succeeded); fails=$(count failed); skipped=$(count skipped)
  summary="total ${total:-?}, passed ${passed:-?}, failed ${fails:-?}, inconclusive/skipped ${skipped:-?}"
  if [ "$status" -eq 0 ] && [ "${passed:-0}" -gt 0 ] && [ "${skipped:-0}" -eq 0 ]; then
    row "gpu tests" ok "$summary"
  else
    # On a GPU box an Inconclusive GPU test is a failure: the probe should have found the device.
    row "gpu tests" FAIL "$summary (exit $status; see $out/gpu-tests.log)"
    grep -m1 -E "no CUDA GPU|unavailable" "$out/gpu-tests.log" || true
    grep -E "^failed " "$out/gpu-tests.log" | head -20 || true
  fi
else
  row "gpu tests" FAIL "BertNative.Tests.dll not found under ${prebuilt:-?}"
fi

# ---- 4. PyTorch on the same GPU (side by side; BertNative's column comes with the bench harness) ----
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  if python3 "$repo/bench/gpu/torch_side_by_side.py" >"$out/torch.log" 2>&1; then
    row "pytorch side-by-side" ok "see table below ($out/torch.log)"
  else
    row "pytorch side-by-side" FAIL "see $out/torch.log"
  fi
else
  row "pytorch side-by-side" skip "python3 torch with CUDA not installed"
fi

echo
echo "==== BertNative GPU run ===="
printf '%-22s %-6s %s\n' "step" "status" "detail"
printf '%s\n' "${rows[@]}"
[ -f "$out/torch.log" ] && { echo; cat "$out/torch.log"; }
exit "$failed"
