using BertNative.Comm;
using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>
/// The ring's transport for cuda replicas that are threads of one process, one <see cref="CudaBackend"/> each
/// (one GPU each; several on one GPU also work, which is how the tests exercise it). Rank r reads rank r − 1's
/// window by a device copy on the same GPU, a peer copy when peer access could be enabled, or else through a
/// pinned host copy the sender makes. All GPU work is queued on each rank's communication stream and ordered
/// against its compute stream with events (native/kernels/ring.cu); the host only waits for the other rank to
/// have queued its side, bounded by <see cref="Timeout"/>, never for the GPU. One instance is the group;
/// <see cref="Transport"/> gives each rank its end; dispose the group after every rank has finished.
/// </summary>
public sealed class CudaRing : IDisposable
{
    private readonly CudaBackend[] _backends;
    private readonly RingRankHandle[] _natives;
    private readonly int[] _paths;  // _paths[r]: how rank r reads rank r − 1 (CudaNative.Ring*)
    private readonly Mailbox[] _mailboxes;
    private readonly CancellationTokenSource _abort = new();
    private volatile string? _abortReason;

    /// <param name="stageThroughHost">Carry every window through pinned host memory even where a device or
    /// peer copy is possible (tests the path GPUs without peer access take, on one GPU).</param>
    public CudaRing(IReadOnlyList<CudaBackend> backends, TimeSpan timeout, bool stageThroughHost = false)
    {
        if (backends.Count < 1) throw new ArgumentException("a ring needs at least one replica", nameof(backends));
        _backends = [.. backends];
        Timeout = timeout;
        int n = _backends.Length;
        _paths = Enumerable.Range(0, n).Select(r => Path(_backends[r].Device, _backends[(r - 1 + n) % n].Device, stageThroughHost)).ToArray();
        _natives = new RingRankHandle[n];
        try
        {
            for (int r = 0; r < n; r++) _natives[r] = RingRankHandle.Create(_backends[r].Device);
        }
        catch
        {
            foreach (var native in _natives) native?.Dispose();
            throw;
        }
        _mailboxes = Enumerable.Range(0, n).Select(_ => new Mailbox()).ToArray();
        Description = $"ring over {n} cuda replicas ({Describe()})";
    }

    public int WorldSize => _backends.Length;
    public TimeSpan Timeout { get; }
    public string Description { get; }

    public IRingTransport Transport(int rank) =>
        (uint)rank < (uint)WorldSize ? new RankEnd(this, rank) : throw new ArgumentOutOfRangeException(nameof(rank));

    private static int Path(int device, int previousDevice, bool stageThroughHost)
    {
        if (stageThroughHost) return CudaNative.RingHost;
        if (device == previousDevice) return CudaNative.RingSameDevice;
        CudaCheck.Ok(CudaNative.bn_ring_enable_peer_access(device, previousDevice, out int enabled));
        return enabled != 0 ? CudaNative.RingPeer : CudaNative.RingHost;
    }

    private string Describe()
    {
        var devices = _backends.Select(b => b.Device).Distinct().ToArray();
        string where = devices.Length == 1 ? $"all on GPU {devices[0]}" : $"GPUs {string.Join(",", devices)}";
        string how = string.Join(", ", _paths.Distinct().Order().Select(p => p switch
        {
            CudaNative.RingSameDevice => "device copies",
            CudaNative.RingPeer => "peer copies",
            _ => "copies staged through pinned host memory",
        }));
        return $"{where}; {how}";
    }

    /// <summary>What rank r has queued for rank r + 1.</summary>
    private sealed class Mailbox
    {
        public readonly SemaphoreSlim Posted = new(0), Taken = new(0);
        /// <summary>Held while the next rank queues its read of the window, so a failing sender can withdraw it first.</summary>
        public readonly object Gate = new();
        public nint Window;
        public long Count;
        public bool Withdrawn;
    }

    private sealed class RankEnd(CudaRing ring, int rank) : IRingTransport
    {
        private int Previous => (rank - 1 + WorldSize) % WorldSize;
        private int Next => (rank + 1) % WorldSize;
        private Mailbox Own => ring._mailboxes[rank];
        private nint Native => ring._natives[rank].DangerousGetHandle();
        private nint ComputeStream => ring._backends[rank].Stream;
        private int _flags = CudaNative.RingOrdered;

        /// <summary>The collective's steps wait once for the compute work queued so far, and the compute stream
        /// does not wait for them until <see cref="JoinCompute"/>: backward goes on while a bucket is reduced.</summary>
        public void BeginDeferred()
        {
            CudaCheck.Ok(CudaNative.bn_ring_follow_compute(Native, ComputeStream));
            _flags = CudaNative.RingDeferred;
        }

        public void EndDeferred() => _flags = CudaNative.RingOrdered;

        public void JoinCompute() => CudaCheck.Ok(CudaNative.bn_ring_join_compute(Native, ComputeStream));

        public int Rank => rank;
        public int WorldSize => ring.WorldSize;
        public string Description => ring.Description;
        public TimeSpan Timeout => ring.Timeout;

        public void BeginSend(FloatView data)
        {
            nint window = CudaBackend.Address(data);
            int stageToHost = ring._paths[Next] == CudaNative.RingHost ? 1 : 0;
            CudaCheck.Ok(CudaNative.bn_ring_send(Native, ComputeStream, window, data.Count, stageToHost, _flags));
            lock (Own.Gate)
            {
                Own.Window = window;
                Own.Count = data.Count;
            }
            Own.Posted.Release();
        }

        public void Receive(FloatView destination, bool add)
        {
            var box = ring._mailboxes[Previous];
            Wait(box.Posted, $"rank {Previous} sent nothing");
            nint target = CudaBackend.Address(destination);
            lock (box.Gate)
            {
                if (box.Withdrawn) throw new CommunicatorException(ring._abortReason ?? $"rank {Previous} withdrew its data");
                if (box.Count != destination.Count)
                    throw new CommunicatorException($"rank {rank}: rank {Previous} sent {box.Count} floats where {destination.Count} were expected (the ranks run different schedules)");
                CudaCheck.Ok(CudaNative.bn_ring_receive(Native, ComputeStream, ring._natives[Previous].DangerousGetHandle(),
                    box.Window, target, destination.Count, add ? 1 : 0, ring._paths[rank], _flags));
            }
            box.Taken.Release();
        }

        public void CompleteSend()
        {
            Wait(Own.Taken, $"rank {Next} took nothing");
            CudaCheck.Ok(CudaNative.bn_ring_complete_send(Native, ComputeStream, ring._natives[Next].DangerousGetHandle(), _flags));
        }

        /// <summary>Stops the waiting ranks, withdraws this rank's window, and waits (bounded) until the copies
        /// the next rank already queued from it have run, so the caller may free its buffers.</summary>
        public void Abort(string reason)
        {
            ring._abortReason ??= reason;
            ring._abort.Cancel();
            lock (Own.Gate) Own.Withdrawn = true;
            var deadline = DateTime.UtcNow + ring.Timeout;
            nint reader = ring._natives[Next].DangerousGetHandle();
            while (CudaNative.bn_ring_query_taken(reader, out int done) == 0 && done == 0 && DateTime.UtcNow < deadline)
                Thread.Sleep(1);  // a failed query means the device itself failed: nothing more to wait for
        }

        private void Wait(SemaphoreSlim signal, string what) =>
            NeighbourWait.For(signal, rank, what, ring.Timeout, ring._abort.Token, () => ring._abortReason);

        public void Dispose() { }
    }

    /// <summary>Waits for each rank's communication stream and frees the native resources; call after every rank has finished.</summary>
    public void Dispose()
    {
        foreach (var native in _natives) native.Dispose();
        _abort.Dispose();
    }
}
