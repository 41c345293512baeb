using BertNative.Comm;
using BertNative.Contract;

namespace BertNative.Model.Parallel;

/// <summary>Checks that every rank holds the same 64-bit value (a checksum of the weights, a fingerprint of the
/// run's settings and data): each rank writes its value into its own slot, one all-reduce shows every rank all of
/// them, and every rank reaches the same verdict.</summary>
public static class RankAgreement
{
    private const int Pieces = 4; // 16-bit pieces: exact in float, and a sum with zeros leaves them as they are

    /// <summary>Throws on every rank, naming the ranks that differ from rank 0, when the values are not all equal.</summary>
    public static void Require(ICommunicator comm, IDeviceMemory memory, ulong value, string what, string fix)
    {
        if (comm.WorldSize == 1) return;
        var slots = new float[comm.WorldSize * Pieces];
        Write(value, slots.AsSpan(comm.Rank * Pieces, Pieces));
        OnDevice(memory, slots, comm.AllReduceSum);
        var differing = Enumerable.Range(1, comm.WorldSize - 1)
            .Where(r => !slots.AsSpan(r * Pieces, Pieces).SequenceEqual(slots.AsSpan(0, Pieces))).ToArray();
        if (differing.Length > 0)
            throw new BertNativeException($"rank {string.Join(", ", differing)} {(differing.Length == 1 ? "has" : "have")} other {what} than rank 0; {fix}");
    }

    /// <summary>Rank 0's value on every rank (a seed rank 0 drew, say), carried as exact 16-bit pieces.</summary>
    public static ulong FromRankZero(ICommunicator comm, IDeviceMemory memory, ulong value)
    {
        if (comm.WorldSize == 1) return value;
        var pieces = new float[Pieces];
        Write(value, pieces);
        OnDevice(memory, pieces, buffer => comm.Broadcast(buffer, root: 0));
        ulong result = 0;
        for (int p = 0; p < Pieces; p++) result |= (ulong)pieces[p] << (16 * p);
        return result;
    }

    private static void Write(ulong value, Span<float> pieces)
    {
        for (int p = 0; p < Pieces; p++) pieces[p] = (value >> (16 * p)) & 0xFFFF;
    }

    /// <summary>Runs a collective on the values in the communicator's memory and brings the result back.</summary>
    private static void OnDevice(IDeviceMemory memory, float[] values, Action<FloatView> collective)
    {
        var buffer = memory.AllocateFloats(values.Length);
        memory.Upload(buffer, values);
        collective(buffer);
        memory.Download(buffer, values);
        buffer.Buffer.Dispose();
    }

    /// <summary>FNV-1a over the bits of a float array.</summary>
    public static ulong Checksum(ReadOnlySpan<float> values)
    {
        ulong hash = 14695981039346656037UL;
        foreach (int bits in System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(values))
            hash = (hash ^ (uint)bits) * 1099511628211UL;
        return hash;
    }
}
