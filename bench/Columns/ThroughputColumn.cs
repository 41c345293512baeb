using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using BertNative.Bench.Ops;

namespace BertNative.Bench.Columns;

/// <summary>GFLOP/s or GB/s of an op, from its entry in <see cref="OpWork.ByBenchmark"/>.</summary>
public sealed class ThroughputColumn() : RateColumn("Throughput", "GFLOP/s (GEMM-like ops) or GB/s read+written (memory-bound ops) at the mean time")
{
    protected override string? Rate(BenchmarkCase benchmarkCase, double seconds) =>
        OpWork.ByBenchmark.TryGetValue(benchmarkCase.Descriptor.WorkloadMethod.Name, out var work) ? work.Rate(seconds) : null;
}

/// <summary>Adds <see cref="ThroughputColumn"/> to a benchmark class.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ThroughputColumnAttribute() : ColumnConfigBaseAttribute(new ThroughputColumn());
