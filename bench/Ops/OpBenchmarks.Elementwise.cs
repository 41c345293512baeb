using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The FFN's ReLU over [N, F] and a residual branch's dropout over [N, H].</summary>
public partial class OpBenchmarks
{
    FloatView ffnPre, ffnAct, ffnDAct, ffnDPre, dropoutInput, dropoutOutput;
    readonly Dropout residualDropout = TrainingDropout(site: 1);

    [GlobalSetup(Targets = [nameof(ReluForward), nameof(ReluBackward), nameof(DropoutForward)])]
    public void SetupElementwise()
    {
        Open();
        long n = (long)N * F;
        ffnPre = RandomFloats(n);
        ffnAct = backend.AllocateFloats(n);
        ffnDAct = RandomFloats(n, 1e-3f);
        ffnDPre = backend.AllocateFloats(n);
        dropoutInput = RandomFloats((long)N * H);
        dropoutOutput = backend.AllocateFloats((long)N * H);
        backend.ActivationForward(Activation.Relu, ffnAct, ffnPre, n);
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void ReluForward()
    {
        backend.ActivationForward(Activation.Relu, ffnAct, ffnPre, (long)N * F);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void ReluBackward()
    {
        backend.ActivationBackward(Activation.Relu, ffnDPre, ffnDAct, ffnPre, ffnAct, (long)N * F);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("elementwise")]
    public void DropoutForward()
    {
        backend.DropoutForward(dropoutOutput, dropoutInput, (long)N * H, residualDropout);
        backend.Synchronize();
    }
}
