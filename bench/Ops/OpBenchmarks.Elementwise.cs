using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The FFN's ReLU over [N, F] and a residual branch's dropout over [N, H].</summary>
public partial class OpBenchmarks
{
    FloatView _ffnPre, _ffnAct, _ffnDAct, _ffnDPre, _dropoutInput, _dropoutOutput;
    readonly Dropout _residualDropout = TrainingDropout(site: 1);

    [GlobalSetup(Targets = [nameof(ReluForward), nameof(ReluBackward), nameof(DropoutForward)])]
    public void SetupElementwise()
    {
        Open();
        long n = (long)N * F;
        _ffnPre = RandomFloats(n);
        _ffnAct = _backend.AllocateFloats(n);
        _ffnDAct = RandomFloats(n, 1e-3f);
        _ffnDPre = _backend.AllocateFloats(n);
        _dropoutInput = RandomFloats((long)N * H);
        _dropoutOutput = _backend.AllocateFloats((long)N * H);
        _backend.ActivationForward(Activation.Relu, _ffnAct, _ffnPre, n);
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void ReluForward()
    {
        _backend.ActivationForward(Activation.Relu, _ffnAct, _ffnPre, (long)N * F);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void ReluBackward()
    {
        _backend.ActivationBackward(Activation.Relu, _ffnDPre, _ffnDAct, _ffnPre, _ffnAct, (long)N * F);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void DropoutForward()
    {
        _backend.DropoutForward(_dropoutOutput, _dropoutInput, (long)N * H, _residualDropout);
        _backend.Synchronize();
    }
}
