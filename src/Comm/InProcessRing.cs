using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>
/// The ring's transport for replicas that are threads of one process and keep their buffers in host memory
/// (cpu replicas, and the host staging of device replicas). A send publishes a window; the next rank adds or
/// copies it straight out of the sender's memory (no intermediate copy) and hands it back. One instance is
/// the shared group; <see cref="Transport"/> gives each rank its end.
/// </summary>
public sealed class InProcessRing
{
    private readonly Mailbox[] _mailboxes;
    private readonly CancellationTokenSource _abort = new();
    private volatile string? _abortReason;

    public InProcessRing(int worldSize, TimeSpan timeout)
    {
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), $"{worldSize} ranks");
        WorldSize = worldSize;
        Timeout = timeout;
        _mailboxes = Enumerable.Range(0, worldSize).Select(_ => new Mailbox()).ToArray();
    }

    public int WorldSize { get; }
    public TimeSpan Timeout { get; }

    public IRingTransport Transport(int rank, string replicaKind = "cpu") =>
        (uint)rank < (uint)WorldSize ? new RankEnd(this, rank, replicaKind) : throw new ArgumentOutOfRangeException(nameof(rank));

    /// <summary>What rank r has published for rank r + 1.</summary>
    private sealed class Mailbox
    {
        public readonly SemaphoreSlim Posted = new(0), Taken = new(0);
        /// <summary>Held while the next rank reads <see cref="Data"/>, so a failing sender cannot free it mid-read.</summary>
        public readonly object Gate = new();
        public FloatView Data;
    }

    private sealed unsafe class RankEnd(InProcessRing ring, int rank, string replicaKind) : IRingTransport
    {
        private Mailbox Own => ring._mailboxes[rank];
        private int Previous => (rank - 1 + WorldSize) % WorldSize;
        private int Next => (rank + 1) % WorldSize;

        public int Rank => rank;
        public int WorldSize => ring.WorldSize;
        public string Description => $"ring over {WorldSize} in-process {replicaKind} replicas";
        public TimeSpan Timeout => ring.Timeout;

        public void BeginSend(FloatView data)
        {
            HostWindows.Pointer(data); // a device buffer is refused here, at the send, not by the receiver
            lock (Own.Gate) Own.Data = data;
            Own.Posted.Release();
        }

        public void Receive(FloatView destination, bool add)
        {
            var box = ring._mailboxes[Previous];
            Wait(box.Posted, $"rank {Previous} sent nothing");
            lock (box.Gate) Take(box.Data, destination, add);
            box.Taken.Release();
        }

        private void Take(FloatView source, FloatView destination, bool add)
        {
            if (source.Buffer is null) throw new CommunicatorException(ring._abortReason ?? $"rank {Previous} withdrew its data");
            if (source.Count != destination.Count)
                throw new CommunicatorException($"rank {rank}: rank {Previous} sent {source.Count} floats where {destination.Count} were expected (the ranks run different schedules)");
            HostWindows.Combine(HostWindows.Pointer(destination), HostWindows.Pointer(source), source.Count, add);
        }

        public void CompleteSend() => Wait(Own.Taken, $"rank {Next} took nothing");

        public void Abort(string reason)
        {
            ring._abortReason ??= reason;
            ring._abort.Cancel();
            lock (Own.Gate) Own.Data = default; // after this, no rank reads our memory: the caller may free it
        }

        private void Wait(SemaphoreSlim signal, string what) =>
            NeighbourWait.For(signal, rank, what, ring.Timeout, ring._abort.Token, () => ring._abortReason);

        public void Dispose() { }
    }
}
