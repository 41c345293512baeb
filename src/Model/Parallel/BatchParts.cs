using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Parallel;

/// <summary>
/// How one step's global batch is cut: into one contiguous shard per rank (sizes differ by at most one), each
/// shard into contiguous micro-batches for accumulation. Every part carries its <see cref="BatchShare"/>.
/// </summary>
public static class BatchParts
{
    /// <summary>[first, first + count) of part <paramref name="index"/> of <paramref name="parts"/> over <paramref name="length"/> items.</summary>
    public static (int First, int Count) Range(int length, int parts, int index) => EvenSplit.Part(length, parts, index);

    /// <summary>The examples of micro-batch <paramref name="micro"/> of rank <paramref name="rank"/>'s shard, in global indices.</summary>
    public static (int First, int Count) Of(int globalSize, int worldSize, int rank, int microBatches, int micro)
    {
        var shard = Range(globalSize, worldSize, rank);
        var part = Range(shard.Count, microBatches, micro);
        return (shard.First + part.First, part.Count);
    }

    /// <summary>The share of the part starting at example <paramref name="first"/> of the global batch, whose real
    /// prediction slots (<see cref="BatchShare.RealPredictions"/>) the caller counted once for all its parts.</summary>
    public static BatchShare Share(Batch global, int first, int globalPredictions)
    {
        long tokens = 0;
        foreach (int valid in global.ValidLens.AsSpan(0, first)) tokens += valid;
        return new BatchShare(first, tokens, global.Size, globalPredictions);
    }

    /// <summary>The largest part any rank gets: what a replica's buffers must hold.</summary>
    public static int LargestPart(int globalSize, int worldSize, int microBatches) =>
        Range(Range(globalSize, worldSize, 0).Count, microBatches, 0).Count;
}
