#!/usr/bin/env bash
# Everything the test suite needs beyond the .NET SDK, from Debian's archive. Idempotent.
set -euo pipefail
need=()
/usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch)
/usr/bin/python3 -c "import onnx" 2>/dev/null || need+=(python3-onnx)   # the ONNX export's checker test (~10 MB)
ldconfig -p | grep -q "libopenblas.so.0" || need+=(libopenblas0-pthread)
# Open MPI: the multi-process data-parallel tests run mpirun -np 2 on loopback.
command -v mpirun >/dev/null 2>&1 && ldconfig -p | grep -q "libmpi.so.40" || need+=(openmpi-bin libopenmpi-dev)
# Boost.Context: the fibers of the CPU simulation of the CUDA kernels (native/sim, libbertnative_kernels_sim.so).
[ -f /usr/include/boost/context/fiber.hpp ] || need+=(libboost-context-dev)
command -v cmake >/dev/null 2>&1 || need+=(cmake)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
