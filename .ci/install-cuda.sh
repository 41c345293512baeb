#!/usr/bin/env bash
# Installs Debian's CUDA toolkit (nvcc 11.8, cuBLASLt) and clang-14, which nvcc
# 11.8 accepts as host compiler (it rejects Debian 12's gcc 12). Idempotent.
set -euo pipefail

if command -v nvcc >/dev/null 2>&1 && command -v clang++-14 >/dev/null 2>&1; then
  echo "install-cuda: nvcc and clang++-14 already present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# nvidia-cuda-toolkit lives in contrib/non-free; mirror the main entry's URIs.
sources=/etc/apt/sources.list.d/debian-nonfree.sources
if [ ! -f "$sources" ]; then
  "${sudo_cmd[@]}" tee "$sources" >/dev/null <<'SRC'
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update
"${sudo_cmd[@]}" apt-get install -y --no-install-recommends nvidia-cuda-toolkit clang-14
nvcc --version
