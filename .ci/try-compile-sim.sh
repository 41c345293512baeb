#!/usr/bin/env bash
# What `dotnet build` runs (src/Interop's BuildSimulatedKernels target): builds the CPU simulation of
# the CUDA kernels (native/sim/CMakeLists.txt: libbertnative_kernels_sim.so and bn_sim_tests) with
# g++ or clang++, no nvcc. Prints nothing when it built; otherwise removes any stale library and prints
# ONE line, "<reason>; <fix>", which the build shows as warning BN0002. Always exits 0: nothing here may
# block the CPU app. Usage: .ci/try-compile-sim.sh [build-dir]   (default: build/native-sim)
set -uo pipefail
cd "$(dirname "$0")/.."
build_dir="${1:-build/native-sim}"
mkdir -p "$build_dir"
log="$build_dir/compile.log"
skip="or skip it: -p:BertNativeSkipSimulation=true"

if ! command -v cmake >/dev/null 2>&1; then
  echo "cmake is not on PATH; fix: apt-get install cmake, $skip"; exit 0
fi
if ! command -v c++ >/dev/null 2>&1 && ! command -v g++ >/dev/null 2>&1 && ! command -v clang++ >/dev/null 2>&1; then
  echo "no C++ compiler (g++ or clang++) on PATH; fix: apt-get install g++, $skip"; exit 0
fi
if ! printf '#include <boost/context/fiber.hpp>\n' | c++ -x c++ -std=c++17 -fsyntax-only - >/dev/null 2>&1; then
  echo "the Boost.Context headers (boost/context/fiber.hpp) are missing; fix: apt-get install libboost-context-dev (.ci/install-deps.sh does), $skip"
  exit 0
fi
if cmake -S native/sim -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >"$log" 2>&1 && cmake --build "$build_dir" -j "$(nproc)" >>"$log" 2>&1 \
   && [ -f "$build_dir/libbertnative_kernels_sim.so" ]; then
  exit 0
fi
rm -f "$build_dir/libbertnative_kernels_sim.so"
first_error=$(grep -m1 -i "error" "$log" | tr -s ' ' | cut -c1-200)
echo "the CPU simulation of the kernels failed to compile (${first_error:-see the log}); fix: see $log, $skip"
