using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using BertNative.Bench.Step;

namespace BertNative.Bench.Columns;

/// <summary>Sentence pairs per second of a whole training step: the batch size over the mean time.</summary>
public sealed class PairsPerSecondColumn() : RateColumn("pairs/s", "sentence pairs trained per second (batch / mean step time)")
{
    protected override string? Rate(BenchmarkCase benchmarkCase, double seconds) => $"{TrainStepBenchmark.BatchSize / seconds:N1}";
}

/// <summary>Adds <see cref="PairsPerSecondColumn"/> to a benchmark class.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class PairsPerSecondColumnAttribute() : ColumnConfigBaseAttribute(new PairsPerSecondColumn());
