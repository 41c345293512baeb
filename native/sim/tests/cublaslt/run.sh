#!/usr/bin/env bash
# Builds and runs the cuBLASLt stand-in's unit tests against the test-only stub runtime:
# g++ and clang++-14 (-O2 -Wall -Wextra -Werror), then g++ with AddressSanitizer and
# UndefinedBehaviorSanitizer. Then, where the simulated runtime is in the tree (after the merge),
# builds libbertnative_kernels_sim.so and runs integration_tests.cpp through the C ABI; before
# that, checks that native/kernels/gemm.cu and api.cu reach no cuBLASLt error when parsed
# against the stand-in header (other errors, from the CUDA runtime the stub does not provide,
# are expected there and only counted).
# Usage: native/sim/tests/cublaslt/run.sh [build-dir]   (BN_SIM_CUBLASLT_BENCH=1 adds timings)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
build="${1:-${TMPDIR:-/tmp}/bn_sim_cublaslt_tests}"
mkdir -p "$build"

sources=("$root"/native/sim/cublaslt_sim_*.cpp "$here"/runtime.cpp "$here"/lt_driver.cpp "$here"/cublaslt_tests.cpp)
includes=(-I "$here" -I "$root/native/sim/include" -I "$root/native/sim")
warnings=(-std=c++17 -Wall -Wextra -Werror)

build_and_run() {
    local name="$1" compiler="$2"
    shift 2
    echo "== $name"
    "$compiler" "${warnings[@]}" "$@" "${includes[@]}" "${sources[@]}" -o "$build/$name"
    "$build/$name"
}

build_and_run gcc g++ -O2
build_and_run clang clang++-14 -O2
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    BN_SIM_CUBLASLT_BENCH=0 build_and_run gcc-asan-ubsan g++ -O1 -g -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined

parse_checks() {
    echo "== gemm.cu against the stand-in header (parse only, with parse_shim/ for the CUDA runtime)"
    # The one error expected is the <<<>>> launch, which no C++ compiler parses. Only the messages
    # are searched (the worktree path may itself contain "cublaslt").
    status=0
    for compiler in g++ clang++-14; do
        log="$build/parse_${compiler}_gemm.log"
        limit=(); [ "$compiler" = g++ ] || limit=(-ferror-limit=0)
        "$compiler" -std=c++17 -fsyntax-only "${limit[@]}" -x c++ -I "$here/parse_shim" -I "$here" -I "$root/native/sim/include" \
            "$root/native/kernels/gemm.cu" >"$log" 2>&1 || true
        unexpected=""
        while IFS= read -r line; do  # keep errors whose source line is not a <<<>>> launch
            location="$(grep -oE '^[^:]+:[0-9]+:' <<<"$line" || true)"
            file="${location%%:*}"; number="$(cut -d: -f2 <<<"$location")"
            if [ -z "$location" ] || ! sed -n "${number}p" "$file" | grep -q '<<<'; then unexpected+="$line"$'\n'; fi
        done < <(grep -E 'error:' "$log" || true)
        if [ -n "$unexpected" ]; then
            echo "$compiler gemm.cu: unexpected errors:"
            echo "$unexpected"
            status=1
        else
            echo "$compiler gemm.cu: parses except its <<<>>> launch ($(grep -c 'error:' "$log" || true) errors there)"
        fi
    done

    echo "== api.cu against the stand-in header (parse only; errors other than cuBLASLt ones are the runtime's)"
    for compiler in g++ clang++-14; do
        log="$build/parse_${compiler}_api.log"
        limit=(); [ "$compiler" = g++ ] || limit=(-ferror-limit=0)
        "$compiler" -std=c++17 -fsyntax-only "${limit[@]}" -x c++ -I "$here/parse_shim" -I "$here" -I "$root/native/sim/include" \
            "$root/native/kernels/api.cu" >"$log" 2>&1 || true
        messages="$(grep -o 'error: .*' "$log" | sort -u || true)"
        related="$(grep -iE 'cublas|cudaDataType|CUDA_R_' <<<"$messages" || true)"
        if [ -n "$related" ]; then
            echo "$compiler api.cu: cuBLASLt-related errors:"
            echo "$related"
            status=1
        else
            echo "$compiler api.cu: no cuBLASLt-related error ($(grep -c . <<<"$messages") distinct runtime errors, in $log)"
        fi
    done
}

# After the merge with the simulated runtime (native/sim/include/cuda_runtime.h and
# native/sim/CMakeLists.txt there): build libbertnative_kernels_sim.so with gemm.cu, api.cu and
# the stand-in, and run the C ABI integration test. Before it: parse checks with parse_shim/.
status=0
if [ -f "$root/native/sim/include/cuda_runtime.h" ] && [ -f "$root/native/sim/CMakeLists.txt" ]; then
    echo "== integration: libbertnative_kernels_sim.so through bertnative.h"
    cmake -S "$root/native/sim" -B "$build/sim" >"$build/sim_cmake.log" 2>&1
    cmake --build "$build/sim" -j"$(nproc)" >"$build/sim_build.log" 2>&1 || { tail -30 "$build/sim_build.log"; exit 1; }
    g++ "${warnings[@]}" -O1 -I "$root/native/kernels" "$here/integration_tests.cpp" -L "$build/sim" \
        -lbertnative_kernels_sim -Wl,-rpath,"$build/sim" -o "$build/integration"
    BERTNATIVE_CUDA_SIM=1 "$build/integration"
else
    echo "== integration: skipped (no simulated runtime in this tree yet)"
    parse_checks
fi
exit $status
