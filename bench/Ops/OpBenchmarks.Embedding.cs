using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>Token + segment + position embeddings of a batch, and their scatter-add backward.</summary>
public partial class OpBenchmarks
{
    FloatView _tokenTable, _segmentTable, _positionTable, _embeddingOutput, _dTokenTable, _dSegmentTable, _dPositionTable;
    IntView _embeddingTokens, _embeddingSegments;

    [GlobalSetup(Targets = [nameof(EmbeddingForward), nameof(EmbeddingBackward)])]
    public void SetupEmbedding()
    {
        Open();
        _tokenTable = RandomFloats((long)V * H);
        _segmentTable = RandomFloats(2 * H);
        _positionTable = RandomFloats(T * H);
        _embeddingOutput = RandomFloats((long)N * H, 1e-3f);
        _dTokenTable = _backend.AllocateFloats((long)V * H);
        _dSegmentTable = _backend.AllocateFloats(2 * H);
        _dPositionTable = _backend.AllocateFloats(T * H);
        _embeddingTokens = RandomInts(N, 0, V);
        _embeddingSegments = RandomInts(N, 0, 2);
    }

    [Benchmark, BenchmarkCategory("embedding")]
    public void EmbeddingForward()
    {
        _backend.EmbeddingForward(_embeddingOutput, _embeddingTokens, _embeddingSegments, _tokenTable, _segmentTable, _positionTable, B, T, H);
        _backend.Synchronize();
    }

    /// <summary>Reads the output buffer as doutput (the forward's values are as good as any).</summary>
    [Benchmark, BenchmarkCategory("embedding")]
    public void EmbeddingBackward()
    {
        _backend.EmbeddingBackward(_dTokenTable, _dSegmentTable, _dPositionTable, _embeddingOutput, _embeddingTokens, _embeddingSegments, B, T, H);
        _backend.Synchronize();
    }
}
