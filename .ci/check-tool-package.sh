#!/usr/bin/env bash
# CI step for issue 13: `dotnet pack src/Trainer` makes the .NET tool BertNative; it installs from a local
# folder and its `bertnative` command runs. The package holds libbertnative_kernels.so exactly when the
# build made one (build/native), and libbertnative_kernels_sim.so (the CPU simulation) likewise (build/native-sim). A private package cache keeps an older package of the same version out.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-tool-package: $*" >&2; exit 1; }

dotnet pack src/Trainer -c Release -o "$work/feed" >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; fail "dotnet pack failed"; }
package=$(ls "$work"/feed/BertNative.*.nupkg 2>/dev/null | head -1)
[ -n "$package" ] || fail "no BertNative package in $work/feed"
in_package=$(python3 -m zipfile -l "$package" | grep -c "tools/net10.0/any/libbertnative_kernels.so")
if [ -f build/native/libbertnative_kernels.so ]; then want=1; else want=0; fi
[ "$in_package" -eq "$want" ] || fail "libbertnative_kernels.so in the package: $in_package, built: $want"
sim_in_package=$(python3 -m zipfile -l "$package" | grep -c "tools/net10.0/any/libbertnative_kernels_sim.so")
if [ -f build/native-sim/libbertnative_kernels_sim.so ]; then sim_want=1; else sim_want=0; fi
[ "$sim_in_package" -eq "$sim_want" ] || fail "libbertnative_kernels_sim.so in the package: $sim_in_package, built: $sim_want"

NUGET_PACKAGES="$work/packages" dotnet tool install --tool-path "$work/tools" --add-source "$work/feed" BertNative >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "dotnet tool install failed"; }
"$work/tools/bertnative" export --help | grep -q "^bertnative export" || fail "the installed bertnative does not run"
"$work/tools/bertnative" export --out "$work/x.onnx" --checkpoint "$work/none" 2>"$work/err.log"
[ $? -eq 1 ] && grep -q "^error: checkpoint folder" "$work/err.log" || fail "the installed bertnative does not report a missing checkpoint as one error line"
echo "check-tool-package: $(basename "$package") installs and runs (native library in it: $want, simulation: $sim_want)"
