using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The attention core of a layer (scores, masked softmax, dropout, probs x V), training dropout on.</summary>
public partial class OpBenchmarks
{
    FloatView _attentionQkv, _attentionProbs, _attentionOutput, _attentionDOutput, _attentionDQkv;
    IntView _attentionValidLens;
    readonly Dropout _attentionDropout = TrainingDropout(site: 0);

    [GlobalSetup(Targets = [nameof(AttentionForward), nameof(AttentionBackward)])]
    public void SetupAttention()
    {
        Open();
        _attentionQkv = RandomFloats((long)N * 3 * H);
        _attentionProbs = _backend.AllocateFloats((long)B * Heads * T * T);
        _attentionOutput = _backend.AllocateFloats((long)N * H);
        _attentionDOutput = RandomFloats((long)N * H, 1e-3f);
        _attentionDQkv = _backend.AllocateFloats((long)N * 3 * H);
        _attentionValidLens = RandomValidLens();
        // The backward reads the probabilities its forward saved.
        _backend.AttentionForward(_attentionOutput, _attentionProbs, _attentionQkv, _attentionValidLens, null, B, T, H, Heads, _attentionDropout);
    }

    [Benchmark, BenchmarkCategory("attention")]
    public void AttentionForward()
    {
        _backend.AttentionForward(_attentionOutput, _attentionProbs, _attentionQkv, _attentionValidLens, null, B, T, H, Heads, _attentionDropout);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("attention")]
    public void AttentionBackward()
    {
        _backend.AttentionBackward(_attentionDQkv, _attentionDOutput, _attentionQkv, _attentionProbs, _attentionValidLens, B, T, H, Heads, _attentionDropout);
        _backend.Synchronize();
    }
}
