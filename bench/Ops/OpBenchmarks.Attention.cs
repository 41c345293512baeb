using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The attention core of a layer (scores, masked softmax, dropout, probs x V), training dropout on.</summary>
public partial class OpBenchmarks
{
    FloatView attentionQkv, attentionProbs, attentionOutput, attentionDOutput, attentionDQkv;
    IntView attentionValidLens;
    readonly Dropout attentionDropout = TrainingDropout(site: 0);

    [GlobalSetup(Targets = [nameof(AttentionForward), nameof(AttentionBackward)])]
    public void SetupAttention()
    {
        Open();
        attentionQkv = RandomFloats((long)N * 3 * H);
        attentionProbs = backend.AllocateFloats((long)B * Heads * T * T);
        attentionOutput = backend.AllocateFloats((long)N * H);
        attentionDOutput = RandomFloats((long)N * H, 1e-3f);
        attentionDQkv = backend.AllocateFloats((long)N * 3 * H);
        attentionValidLens = RandomValidLens();
        // The backward reads the probabilities its forward saved.
        backend.AttentionForward(attentionOutput, attentionProbs, attentionQkv, attentionValidLens, B, T, H, Heads, attentionDropout);
    }

    [Benchmark, BenchmarkCategory("attention")]
    public void AttentionForward()
    {
        backend.AttentionForward(attentionOutput, attentionProbs, attentionQkv, attentionValidLens, B, T, H, Heads, attentionDropout);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("attention")]
    public void AttentionBackward()
    {
        backend.AttentionBackward(attentionDQkv, attentionDOutput, attentionQkv, attentionProbs, attentionValidLens, B, T, H, Heads, attentionDropout);
        backend.Synchronize();
    }
}
