#!/usr/bin/env bash
# Builds the CPU simulation with AddressSanitizer and UndefinedBehaviorSanitizer (build/native-sim-asan)
# and runs the simulator's tests there: bash native/sim/asan.sh [extra bn_sim_tests arguments]
# The kernel library (libbertnative_kernels_sim.so) is built sanitized too; to run .NET tests against it,
# LD_PRELOAD the compiler's libasan (see native/sim/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=build/native-sim-asan
cmake -S native/sim -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBN_SIM_SANITIZE=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
# detect_leaks=0: fibers abandoned after a guard-page fault keep their (deliberately leaked) stacks.
export ASAN_OPTIONS="detect_leaks=0:allow_user_segv_handler=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
"$build_dir/bn_sim_tests" "$@"
