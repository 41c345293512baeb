"""Prints which OpenBLAS kernel set ("core") PyTorch runs: the core name, or with --config OpenBLAS's whole
build line and the library's path. Debian's torch calls OpenBLAS through libblas.so.3; the first GEMM loads it."""
import ctypes
import sys

import torch

torch.ones(8, 8) @ torch.ones(8, 8)
mapped = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1]})
for path in mapped:
    lib = ctypes.CDLL(path)
    if hasattr(lib, "openblas_get_corename"):
        lib.openblas_get_corename.restype = lib.openblas_get_config.restype = ctypes.c_char_p
        core = lib.openblas_get_corename().decode()
        print(f"{core} ({lib.openblas_get_config().decode()}; {path})" if "--config" in sys.argv else core)
        break
else:
    print("not-openblas" if "--config" not in sys.argv else f"not OpenBLAS: {torch.__config__.show().strip()}")
