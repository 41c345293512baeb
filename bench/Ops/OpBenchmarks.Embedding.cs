using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>Token + segment + position embeddings of a batch, and their scatter-add backward.</summary>
public partial class OpBenchmarks
{
    FloatView tokenTable, segmentTable, positionTable, embeddingOutput, dTokenTable, dSegmentTable, dPositionTable;
    IntView embeddingTokens, embeddingSegments;

    [GlobalSetup(Targets = [nameof(EmbeddingForward), nameof(EmbeddingBackward)])]
    public void SetupEmbedding()
    {
        Open();
        tokenTable = RandomFloats((long)V * H);
        segmentTable = RandomFloats(2 * H);
        positionTable = RandomFloats(T * H);
        embeddingOutput = RandomFloats((long)N * H, 1e-3f);
        dTokenTable = backend.AllocateFloats((long)V * H);
        dSegmentTable = backend.AllocateFloats(2 * H);
        dPositionTable = backend.AllocateFloats(T * H);
        embeddingTokens = RandomInts(N, 0, V);
        embeddingSegments = RandomInts(N, 0, 2);
    }

    [Benchmark, BenchmarkCategory("embedding")]
    public void EmbeddingForward()
    {
        backend.EmbeddingForward(embeddingOutput, embeddingTokens, embeddingSegments, tokenTable, segmentTable, positionTable, B, T, H);
        backend.Synchronize();
    }

    /// <summary>Reads the output buffer as doutput (the forward's values are as good as any).</summary>
    [Benchmark, BenchmarkCategory("embedding")]
    public void EmbeddingBackward()
    {
        backend.EmbeddingBackward(dTokenTable, dSegmentTable, dPositionTable, embeddingOutput, embeddingTokens, embeddingSegments, B, T, H);
        backend.Synchronize();
    }
}
