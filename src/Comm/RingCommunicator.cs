using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>
/// The ring all-reduce, written once over any <see cref="IRingTransport"/>: the buffer is cut into N chunks
/// (sizes differ by at most one, fixed order); N−1 reduce-scatter steps leave chunk (r + 1) mod N summed on
/// rank r, then N−1 all-gather steps copy every summed chunk around the ring. Each chunk is summed in one
/// fixed order (starting at its own rank, then around the ring), so every rank, and every run, gets the same
/// bits. Each rank sends 2(N−1)/N of the buffer in all.
/// </summary>
public sealed class RingCommunicator(IRingTransport transport, IDeviceMemory memory) : ICommunicator
{
    private FloatView _one;

    public int Rank => transport.Rank;
    public int WorldSize => transport.WorldSize;
    public string Description => transport.Description;
    public TimeSpan Timeout => transport.Timeout;

    public void AllReduceSum(FloatView data)
    {
        int n = WorldSize, r = Rank;
        if (n == 1) return;
        Guard(() =>
        {
            for (int s = 0; s < n - 1; s++)
                Step(Chunk(data, r - s), Chunk(data, r - s - 1), add: true);
            for (int s = 0; s < n - 1; s++)
                Step(Chunk(data, r + 1 - s), Chunk(data, r - s), add: false);
        });
    }

    public void AllReduceSumDeferred(FloatView data)
    {
        transport.BeginDeferred();
        try { AllReduceSum(data); }
        finally { transport.EndDeferred(); }
    }

    public void CompleteDeferred() => transport.JoinCompute();

    /// <summary>Along the ring from the root: each rank receives, then passes it on (the rank before the root does not).</summary>
    public void Broadcast(FloatView data, int root)
    {
        int n = WorldSize;
        if ((uint)root >= (uint)n) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is not a rank of {n}");
        if (n == 1) return;
        Guard(() =>
        {
            if (Rank != root) transport.Receive(data, add: false);
            if ((Rank + 1) % n != root)
            {
                transport.BeginSend(data);
                transport.CompleteSend();
            }
        });
    }

    /// <summary>An all-reduce of one float: no rank leaves before every rank has sent.</summary>
    public void Barrier()
    {
        if (WorldSize == 1) return;
        if (_one.Buffer is null) _one = memory.AllocateFloats(1);
        AllReduceSum(_one);
    }

    private FloatView Chunk(FloatView data, int c)
    {
        var (start, count) = ChunkRange(data.Count, WorldSize, ((c % WorldSize) + WorldSize) % WorldSize);
        return data.Slice(start, count);
    }

    /// <summary>Chunk c of n over a buffer of the given length: n contiguous windows in order, sizes differing by at most one.</summary>
    public static (long Start, long Count) ChunkRange(long length, int n, int c) => EvenSplit.Part(length, n, c);

    private void Step(FloatView send, FloatView receive, bool add)
    {
        transport.BeginSend(send);
        transport.Receive(receive, add);
        transport.CompleteSend();
    }

    private void Guard(Action collective)
    {
        try { collective(); }
        catch (Exception e)
        {
            transport.Abort(e is CommunicatorException ? e.Message : $"rank {Rank} failed: {e.Message}");
            throw;
        }
    }

    public void Abort(string reason) => transport.Abort(reason);

    public void Dispose() => transport.Dispose();
}
