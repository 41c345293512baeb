#!/usr/bin/env bash
# What `dotnet build` runs (src/Interop's BuildNativeKernels target) when nvcc and cmake are on PATH:
# .ci/compile-kernels.sh with its output kept in <build-dir>/compile.log. If the kernels do not build,
# it removes any stale library and cached configuration and prints ONE line, "<reason>; <fix>", which the
# build shows as a warning before building the CPU app. Always exits 0: nothing here may block the CPU path.
# CI calls .ci/compile-kernels.sh itself, so there a kernel compile error still fails the run.
# Usage: .ci/try-compile-kernels.sh [build-dir]   (default: build/native)
set -uo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build/native}"
mkdir -p "$build_dir"
log="$build_dir/compile.log"

if bash .ci/compile-kernels.sh "$build_dir" >"$log" 2>&1; then exit 0; fi
# CMake keeps the compiler's own output of a failed identification in CMakeFiles/: explain from both.
cat "$build_dir"/CMakeFiles/CMakeError.log "$build_dir"/CMakeFiles/CMakeConfigureLog.yaml >>"$log" 2>/dev/null
rm -rf "$build_dir/libbertnative_kernels.so" "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"

missing_cicc='cicc[^/]*(not found|No such file[a-z ]*)'   # e.g. "sh: 1: cicc: not found" from a partial install
skip="or build without the CUDA kernels: -p:BertNativeSkipNative=true (the cpu backend needs none)"
if grep -q "unsupported GNU version\|unsupported clang version" "$log"; then
  echo "nvcc rejects the host C++ compiler ($(grep -o -m1 'unsupported [A-Za-z]* version![^!]*!' "$log")); fix: apt-get install clang-14 (then the build uses CUDAHOSTCXX=clang++-14) or export CUDAHOSTCXX=clang++-14, $skip (log: $log)"
elif grep -q -E "$missing_cicc" "$log"; then
  echo "the CUDA toolkit is incomplete: nvcc cannot run cicc ($(grep -m1 -o -E "$missing_cicc" "$log")); fix: reinstall it (.ci/install-cuda.sh installs Debian's nvidia-cuda-toolkit), $skip (log: $log)"
else
  first_error=$(grep -m1 -i "error" "$log" | tr -s ' ' | cut -c1-200)
  echo "the CUDA kernels failed to compile (${first_error:-see the log}); fix: see $log, or check the toolkit with .ci/compile-kernels.sh, $skip"
fi
