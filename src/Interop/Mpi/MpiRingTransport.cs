using System.Diagnostics;
using BertNative.Comm;
using BertNative.Contract;

namespace BertNative.Interop.Mpi;

/// <summary>
/// The ring's transport between processes: non-blocking MPI point-to-point messages to the next rank and from the
/// previous one, polled against the timeout so a dead or hung neighbour is named instead of waited for forever.
/// Received sums are added with the same SIMD add as the in-process ring, so both give the same bits.
/// Host buffers only (the cpu backend, or device buffers staged through the host).
/// </summary>
public sealed unsafe class MpiRingTransport(MpiSession mpi, TimeSpan timeout) : IRingTransport
{
    private const int Tag = 17;
    private IntPtr _send;
    private readonly HostStaging _staging = new();
    private volatile string? _aborted;

    public int Rank => mpi.Rank;
    public int WorldSize => mpi.WorldSize;
    public string Description => $"ring over MPI, rank {Rank} of {WorldSize}";
    public TimeSpan Timeout => timeout;
    private int Next => (Rank + 1) % WorldSize;
    private int Previous => (Rank - 1 + WorldSize) % WorldSize;

    public void BeginSend(FloatView data) =>
        MpiSession.Check(MpiNative.MPI_Isend(HostWindows.Pointer(data), Count(data), mpi.FloatType, Next, Tag, mpi.World, out _send), "MPI_Isend");

    public void Receive(FloatView destination, bool add)
    {
        int n = Count(destination);
        float* target = HostWindows.Pointer(add ? _staging.Window(n) : destination);
        MpiSession.Check(MpiNative.MPI_Irecv(target, n, mpi.FloatType, Previous, Tag, mpi.World, out IntPtr request), "MPI_Irecv");
        WaitFor(ref request, $"rank {Previous} sent nothing");
        if (add) HostWindows.Combine(HostWindows.Pointer(destination), target, n, add: true);
    }

    public void CompleteSend() => WaitFor(ref _send, $"rank {Next} took nothing");

    public void Abort(string reason) => _aborted ??= reason;

    private void WaitFor(ref IntPtr request, string what)
    {
        var clock = Stopwatch.StartNew();
        for (int polls = 0; ; polls++)
        {
            MpiSession.Check(MpiNative.MPI_Test(ref request, out int done, IntPtr.Zero), "MPI_Test");
            if (done != 0) return;
            if (_aborted is { } reason) throw new CommunicatorException(reason);
            if (clock.Elapsed > timeout)
                throw NeighbourWait.TimedOut(Rank, what, timeout);
            if (polls > 1000) Thread.Sleep(polls > 100_000 ? 1 : 0); // spin briefly, then stop burning a core
        }
    }

    private static int Count(FloatView view) =>
        view.Count <= int.MaxValue ? (int)view.Count : throw new ArgumentOutOfRangeException(nameof(view), "an MPI message is limited to 2^31 floats");

    public void Dispose() => _staging.Dispose();
}
