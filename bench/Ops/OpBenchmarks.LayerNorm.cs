using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>A post-LN block's "add &amp; norm" over [N, H], and the LayerNorm backward.</summary>
public partial class OpBenchmarks
{
    FloatView normA, normB, normGamma, normBeta, normOutput, normResidual, normMean, normRstd, normDOutput, normDInput, normDGamma, normDBeta;

    [GlobalSetup(Targets = [nameof(ResidualLayerNormForward), nameof(LayerNormBackward)])]
    public void SetupLayerNorm()
    {
        Open();
        long n = (long)N * H;
        normA = RandomFloats(n);
        normB = RandomFloats(n);
        normGamma = RandomFloats(H);
        normBeta = RandomFloats(H);
        normOutput = backend.AllocateFloats(n);
        normResidual = backend.AllocateFloats(n);
        normMean = backend.AllocateFloats(N);
        normRstd = backend.AllocateFloats(N);
        normDOutput = RandomFloats(n, 1e-3f);
        normDInput = backend.AllocateFloats(n);
        normDGamma = backend.AllocateFloats(H);
        normDBeta = backend.AllocateFloats(H);
        // The backward reads the residual, mean and rstd its forward saved.
        ResidualLayerNormForward();
    }

    [Benchmark, BenchmarkCategory("layernorm")]
    public void ResidualLayerNormForward()
    {
        // with the book's dropout (0.2) on the summand, as the encoder calls it
        backend.ResidualLayerNormForward(normOutput, normResidual, normMean, normRstd, normA, normB, normGamma, normBeta, N, H, Epsilon,
            Dropout.For(0.2f, seed: 1, step: 1, site: 1));
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("layernorm")]
    public void LayerNormBackward()
    {
        backend.LayerNormBackward(normDInput, normDGamma, normDBeta, normDOutput, normResidual, normGamma, normMean, normRstd, N, H);
        backend.Synchronize();
    }
}
