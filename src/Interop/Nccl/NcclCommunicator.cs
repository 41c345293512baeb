using System.Diagnostics;
using BertNative.Comm;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Interop.Cuda;

namespace BertNative.Interop.Nccl;

/// <summary>
/// Collectives over NCCL for one process per GPU, on any number of machines. Rank and world size are the
/// bootstrap's (the MPI communicator when started by mpirun); rank 0's ncclUniqueId reaches the others through
/// the bootstrap's broadcast. Collectives are queued on the backend's compute stream, so they are ordered with
/// its ops; each call then waits, bounded by <see cref="Timeout"/>, until its collective has finished, so a rank
/// that dies or never joins stops this one with one line instead of hanging it (the communicator is
/// non-blocking: NCCL reports progress and peer failures through ncclCommGetAsyncError, polled here).
/// </summary>
public sealed unsafe class NcclCommunicator : ICommunicator
{
    private readonly NcclApi _api;
    private readonly CudaBackend _backend;
    private readonly CudaEventHandle _start, _end;
    private nint _comm;
    private FloatView _one;

    public NcclCommunicator(CudaBackend backend, ICommunicator bootstrap, TimeSpan? timeout = null)
    {
        _backend = backend;
        Rank = bootstrap.Rank;
        WorldSize = bootstrap.WorldSize;
        Timeout = timeout ?? bootstrap.Timeout;
        try
        {
            _api = NcclApi.Load();
            NcclUniqueId id = ExchangeId(_api, bootstrap);
            CudaCheck.Ok(CudaNative.bn_set_device(backend.Device));  // NCCL binds the communicator to the current device
            _start = CudaEventHandle.Create();
            _end = CudaEventHandle.Create();
            NcclConfig config = NcclConfig.NonBlocking();
            nint comm;
            Started(_api.CommInitRankConfig(&comm, WorldSize, id, Rank, &config), "joining", comm);
            _comm = comm;
            WaitForProgress("joining");
        }
        catch (Exception e)
        {
            bootstrap.Abort(e.Message);  // the other ranks stop now instead of at their timeout
            _start?.Dispose();
            _end?.Dispose();
            throw;
        }
        Description = $"NCCL {_api.VersionText} over {WorldSize} processes (rank {Rank} on GPU {backend.Device})";
    }

    public int Rank { get; }
    public int WorldSize { get; }
    public string Description { get; }
    public TimeSpan Timeout { get; }

    /// <summary>Rank 0 makes the id; the bootstrap broadcasts its 128 bytes as 32 floats (a copy: every bit survives).</summary>
    internal static NcclUniqueId ExchangeId(NcclApi api, ICommunicator bootstrap)
    {
        NcclUniqueId id = default;
        if (bootstrap.Rank == 0)
        {
            int result = api.GetUniqueId(&id);
            if (result != NcclApi.Success) throw new CommunicatorException($"rank 0: ncclGetUniqueId failed: {api.Describe(result)}");
        }
        using var carrier = new CpuBuffer(NcclUniqueId.Bytes / sizeof(float), sizeof(float));
        Buffer.MemoryCopy(id.Internal, carrier.Pointer, NcclUniqueId.Bytes, NcclUniqueId.Bytes);
        bootstrap.Broadcast(new FloatView(carrier, 0, NcclUniqueId.Bytes / sizeof(float)), root: 0);
        Buffer.MemoryCopy(carrier.Pointer, id.Internal, NcclUniqueId.Bytes, NcclUniqueId.Bytes);
        return id;
    }

    public void AllReduceSum(FloatView data)
    {
        if (data.Count == 0) return;  // one rank still runs it: NCCL's copy is the one-GPU test of this path
        nint pointer = CudaBackend.Address(data);
        Collective("all-reduce", () => _api.AllReduce(pointer, pointer, (nuint)data.Count, NcclApi.Float32, NcclApi.Sum, _comm, _backend.Stream));
    }

    public void Broadcast(FloatView data, int root)
    {
        if ((uint)root >= (uint)WorldSize) throw new ArgumentOutOfRangeException(nameof(root), $"root {root} is not a rank of {WorldSize}");
        if (data.Count == 0) return;
        nint pointer = CudaBackend.Address(data);
        Collective("broadcast", () => _api.Broadcast(pointer, pointer, (nuint)data.Count, NcclApi.Float32, root, _comm, _backend.Stream));
    }

    /// <summary>An all-reduce of one float, waited for: no rank returns before every rank has joined it.</summary>
    public void Barrier()
    {
        if (_one.Buffer is null) _one = _backend.AllocateFloats(1);
        AllReduceSum(_one);
    }

    /// <summary>Aborts the communicator: NCCL stops this rank's collectives, and the other ranks' polls report the
    /// failure at once instead of at their timeout (NCCL carries no reason, so theirs says a peer failed).</summary>
    public void Abort(string reason)
    {
        if (_comm == 0) return;
        _api.CommAbort(_comm);
        _comm = 0;
    }

    private void Collective(string what, Func<int> enqueue)
    {
        if (_comm == 0) throw new CommunicatorException($"rank {Rank}: the NCCL communicator was aborted");
        CudaCheck.Ok(CudaNative.bn_event_record(_start.DangerousGetHandle(), _backend.Stream));
        Started(enqueue(), what, _comm);
        WaitForProgress(what);  // until then the collective may not be on the stream yet: record the end after it
        CudaCheck.Ok(CudaNative.bn_event_record(_end.DangerousGetHandle(), _backend.Stream));
        WaitForCollective(what);
    }

    private void Started(int result, string what, nint comm)
    {
        if (result == NcclApi.Success || result == NcclApi.InProgress) return;
        string message = $"rank {Rank}: NCCL {what} failed: {_api.Describe(result, comm)}";
        if (comm != 0) _api.CommAbort(comm);
        _comm = 0;
        throw new CommunicatorException(message);
    }

    /// <summary>Non-blocking NCCL calls may return before they are fully queued: poll until they are, or fail.</summary>
    private void WaitForProgress(string what)
    {
        var clock = Stopwatch.StartNew();
        while (AsyncState(what) == NcclApi.InProgress)
        {
            if (clock.Elapsed > Timeout) Fail(what, "did not get going");
            Thread.Sleep(1);
        }
    }

    /// <summary>Waits until the collective has run. The clock starts once the work queued before it has finished
    /// (that is this rank's own compute, which no other rank can stall): from then on, only other ranks can delay it.
    /// This rank's own work gets <see cref="OwnWorkAllowance"/> timeouts, so even a stuck GPU cannot hang the call.</summary>
    private void WaitForCollective(string what)
    {
        var queued = Stopwatch.StartNew();
        Stopwatch? running = null;
        while (!Done(_end))
        {
            AsyncState(what);
            if (running is null && Done(_start)) running = Stopwatch.StartNew();
            if (running?.Elapsed > Timeout) Fail(what, "did not finish");
            if (running is null && queued.Elapsed > Timeout * OwnWorkAllowance)
                Fail(what, "did not start (this rank's own GPU work before it did not finish)", OwnWorkAllowance);
            Thread.Yield();
        }
        AsyncState(what);
    }

    private const int OwnWorkAllowance = 10;

    private int AsyncState(string what)
    {
        int state;
        int result = _api.CommGetAsyncError(_comm, &state);
        if (result != NcclApi.Success) state = result;
        if (state != NcclApi.Success && state != NcclApi.InProgress)
        {
            string message = $"rank {Rank}: NCCL {what} failed: {_api.Describe(state, _comm)}; another rank probably failed or stopped";
            Abort(message);
            throw new CommunicatorException(message);
        }
        return state;
    }

    private void Fail(string what, string how, int timeouts = 1)
    {
        string message = $"rank {Rank}: NCCL {what} {how} within {(Timeout * timeouts).TotalSeconds:0.#} s; a rank died, hangs or never joined (--comm-timeout sets the limit)";
        Abort(message);
        throw new CommunicatorException(message);
    }

    private static bool Done(CudaEventHandle evt)
    {
        CudaCheck.Ok(CudaNative.bn_event_query(evt.DangerousGetHandle(), out int done));
        return done != 0;
    }

    /// <summary>Finalizes (flushes) and destroys the communicator, bounded; aborts it when that does not complete.</summary>
    public void Dispose()
    {
        if (_comm != 0)
        {
            try
            {
                Started(_api.CommFinalize(_comm), "shutdown", _comm);
                WaitForProgress("shutdown");
                _api.CommDestroy(_comm);
                _comm = 0;
            }
            catch (CommunicatorException)
            {
                // Started/Fail have aborted it; nothing is left to free
            }
        }
        _one.Buffer?.Dispose();
        _start.Dispose();
        _end.Dispose();
    }
}
