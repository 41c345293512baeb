#!/usr/bin/env bash
# Configures and builds libbertnative_kernels.so with CMake; exits non-zero on any compile error
# or warning (BERTNATIVE_WERROR).
# Debian's nvcc 11.8 rejects gcc 12, so clang++-14 is the host compiler when it exists.
# Usage: .ci/compile-kernels.sh [build-dir]   (default: build/native)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build/native}"

command -v nvcc >/dev/null || { echo "compile-kernels: nvcc not found (run .ci/install-cuda.sh)" >&2; exit 1; }
if [ -z "${CUDAHOSTCXX:-}" ] && command -v clang++-14 >/dev/null; then export CUDAHOSTCXX=clang++-14; fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DBERTNATIVE_WERROR=ON -DCMAKE_CUDA_COMPILER="$(command -v nvcc)"
cmake --build "$build_dir" -j "$(nproc)"
test -f "$build_dir/libbertnative_kernels.so" || { echo "compile-kernels: library missing" >&2; exit 1; }
echo "compile-kernels: built $build_dir/libbertnative_kernels.so"
