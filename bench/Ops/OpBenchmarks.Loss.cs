using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The MLM loss: fused softmax + cross-entropy over [R, V], dlogits written over the logits as in a step;
/// and the weighted sum that totals its R losses.</summary>
public partial class OpBenchmarks
{
    FloatView lossLogits, lossValues, lossSum;
    IntView lossLabels;

    [GlobalSetup(Targets = [nameof(SoftmaxCrossEntropy), nameof(WeightedSum)])]
    public void SetupLoss()
    {
        Open();
        lossLogits = RandomFloats((long)R * V, 4f);
        lossValues = RandomFloats(R, 10f);
        lossSum = backend.AllocateFloats(1);
        lossLabels = RandomInts(R, 0, V);
    }

    [Benchmark, BenchmarkCategory("loss")]
    public void SoftmaxCrossEntropy()
    {
        backend.SoftmaxCrossEntropy(lossValues, lossLogits, lossLogits, lossLabels, null, 1f / R, R, V);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("loss")]
    public void WeightedSum()
    {
        backend.WeightedSum(lossSum, lossValues, null, R);
        backend.Synchronize();
    }
}
