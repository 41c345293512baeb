#!/usr/bin/env bash
# On a machine with the .NET SDK: packs what a GPU box needs into device/ (git-ignored), to be
# carried there and run with bench/gpu/run-gpu.sh. The GPU box needs only nvcc, CMake and Python
# with PyTorch; it gets a .NET runtime, the framework-dependent outputs and WikiText-2 from here.
#   device/dotnet-runtime.tar.xz   the host + Microsoft.NETCore.App of this SDK
#   device/prebuilt.tar.xz         trainer/, tests/, bench/ Release outputs (no native library:
#                                  run-gpu.sh builds it with the box's own CUDA)
#   device/wikitext-2.tar.xz       wiki.train/valid/test.tokens
# Usage: bench/gpu/prepare.sh        (data from $BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
data=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
out=device
rm -rf "$out" && mkdir -p "$out/stage/prebuilt"

for project in src/Trainer:trainer tests:tests bench:bench; do
  dotnet build -c Release "${project%%:*}" -p:BertNativeSkipNative=true -v quiet -nologo >/dev/null
done
cp -r src/Trainer/bin/Release/net10.0 "$out/stage/prebuilt/trainer"
cp -r tests/bin/Release/net10.0 "$out/stage/prebuilt/tests"
cp -r bench/bin/Release/net10.0 "$out/stage/prebuilt/bench"
find "$out/stage/prebuilt" -name 'libbertnative_kernels.so' -delete
tar -C "$out/stage" -cJf "$out/prebuilt.tar.xz" prebuilt

dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)
tar -C "$dotnet_root" -cJf "$out/dotnet-runtime.tar.xz" dotnet host "shared/Microsoft.NETCore.App/$runtime"
tar -C "$(dirname "$data")" -cJf "$out/wikitext-2.tar.xz" "$(basename "$data")"
rm -rf "$out/stage"
du -ch "$out"/* | tail -4
echo "carry device/ and run: bash bench/gpu/run-gpu.sh device"
