using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The MLM loss: fused softmax + cross-entropy over [R, V], dlogits written over the logits as in a step;
/// and the weighted sum that totals its R losses.</summary>
public partial class OpBenchmarks
{
    FloatView _lossLogits, _lossValues, _lossSum;
    IntView _lossLabels;

    [GlobalSetup(Targets = [nameof(SoftmaxCrossEntropy), nameof(WeightedSum)])]
    public void SetupLoss()
    {
        Open();
        _lossLogits = RandomFloats((long)R * V, 4f);
        _lossValues = RandomFloats(R, 10f);
        _lossSum = _backend.AllocateFloats(1);
        _lossLabels = RandomInts(R, 0, V);
    }

    [Benchmark, BenchmarkCategory("loss")]
    public void SoftmaxCrossEntropy()
    {
        _backend.SoftmaxCrossEntropy(_lossValues, _lossLogits, _lossLogits, _lossLabels, null, 1f / R, R, V);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("loss")]
    public void WeightedSum()
    {
        _backend.WeightedSum(_lossSum, _lossValues, null, R);
        _backend.Synchronize();
    }
}
