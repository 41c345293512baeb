#!/usr/bin/env bash
# CI step: with an nvcc on PATH that cannot build (tests/Build/fake-nvcc: the host-compiler
# rejection of Debian's nvcc 11.8 with gcc 12), `dotnet build` of the CLI must succeed with exactly one
# warning that names the reason and the fix, and the built app must run. The strict kernel compile of
# CI (.ci/compile-kernels.sh) must still fail on the same nvcc.
set -uo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fake_path="$PWD/tests/Build/fake-nvcc:$PATH"
fail() { echo "check-kernel-fallback: $*" >&2; exit 1; }

if PATH="$fake_path" bash .ci/compile-kernels.sh "$work/strict" >"$work/strict.log" 2>&1; then
  fail "compile-kernels.sh succeeded with a failing nvcc; CI would miss a kernel compile error"
fi

PATH="$fake_path" dotnet build src/Trainer -c Release -p:BertNativeNativeDir="$work/native" -o "$work/app" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; fail "dotnet build failed with a failing nvcc on PATH"; }
warnings=$(grep -o "warning BN0001: .*" "$work/build.log" | sort -u)
[ "$(printf '%s\n' "$warnings" | grep -c BN0001)" -eq 1 ] || fail "expected one BN0001 warning, got: ${warnings:-none}"
for needed in "unsupported GNU version" "CUDAHOSTCXX=clang++-14" "-p:BertNativeSkipNative=true"; do
  [[ "$warnings" == *"$needed"* ]] || fail "the warning does not name '$needed': $warnings"
done
[ ! -e "$work/app/libbertnative_kernels.so" ] || fail "a kernel library was copied although none was built"
dotnet "$work/app/bertnative.dll" export --help >/dev/null || fail "the CPU app built with the warning does not run"
echo "check-kernel-fallback: a failing nvcc gives one warning and a working CPU app; compile-kernels.sh still fails"
