namespace BertNative.Contract;

/// <summary>The one way BertNative cuts a length into parts, for the ring's chunks and the batch's shards alike: contiguous,
/// in order, sizes differing by at most one (the first length % parts parts take one more).</summary>
public static class EvenSplit
{
    /// <summary>[first, first + count) of part <paramref name="index"/> of <paramref name="parts"/> over <paramref name="length"/> items.</summary>
    public static (long First, long Count) Part(long length, int parts, int index)
    {
        long q = length / parts, extra = length % parts;
        return (index * q + Math.Min(index, extra), q + (index < extra ? 1 : 0));
    }

    /// <summary><see cref="Part(long, int, int)"/> for lengths that fit an int.</summary>
    public static (int First, int Count) Part(int length, int parts, int index)
    {
        var (first, count) = Part((long)length, parts, index);
        return ((int)first, (int)count);
    }
}
