using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>A post-LN block's "add &amp; norm" over [N, H], and the LayerNorm backward.</summary>
public partial class OpBenchmarks
{
    FloatView _normA, _normB, _normGamma, _normBeta, _normOutput, _normResidual, _normMean, _normRstd, _normDOutput, _normDInput, _normDGamma, _normDBeta;

    [GlobalSetup(Targets = [nameof(ResidualLayerNormForward), nameof(LayerNormBackward)])]
    public void SetupLayerNorm()
    {
        Open();
        long n = (long)N * H;
        _normA = RandomFloats(n);
        _normB = RandomFloats(n);
        _normGamma = RandomFloats(H);
        _normBeta = RandomFloats(H);
        _normOutput = _backend.AllocateFloats(n);
        _normResidual = _backend.AllocateFloats(n);
        _normMean = _backend.AllocateFloats(N);
        _normRstd = _backend.AllocateFloats(N);
        _normDOutput = RandomFloats(n, 1e-3f);
        _normDInput = _backend.AllocateFloats(n);
        _normDGamma = _backend.AllocateFloats(H);
        _normDBeta = _backend.AllocateFloats(H);
        // The backward reads the residual, mean and rstd its forward saved.
        ResidualLayerNormForward();
    }

    [Benchmark, BenchmarkCategory("layernorm")]
    public void ResidualLayerNormForward()
    {
        // with the book's dropout (0.2) on the summand, as the encoder calls it
        _backend.ResidualLayerNormForward(_normOutput, _normResidual, _normMean, _normRstd, _normA, _normB, _normGamma, _normBeta, N, H, Epsilon,
            Dropout.For(0.2f, seed: 1, step: 1, site: 1));
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("layernorm")]
    public void LayerNormBackward()
    {
        _backend.LayerNormBackward(_normDInput, _normDGamma, _normDBeta, _normDOutput, _normResidual, _normGamma, _normMean, _normRstd, N, H);
        _backend.Synchronize();
    }
}
