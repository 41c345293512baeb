namespace BertNative.Comm;

/// <summary>How an in-process transport waits for a neighbouring rank: bounded by the timeout (a silent rank is
/// named), and cut short by another rank's abort (its reason is reported).</summary>
internal static class NeighbourWait
{
    /// <param name="what">What did not happen, naming the rank: "rank 1 sent nothing".</param>
    public static void For(SemaphoreSlim signal, int rank, string what, TimeSpan timeout, CancellationToken abort, Func<string?> abortReason)
    {
        bool signalled;
        try { signalled = signal.Wait(timeout, abort); }
        catch (OperationCanceledException) { throw new CommunicatorException(abortReason() ?? "another rank stopped"); }
        if (!signalled) throw TimedOut(rank, what, timeout);
    }

    /// <summary>The one line for a neighbour that stayed silent past the timeout.</summary>
    public static CommunicatorException TimedOut(int rank, string what, TimeSpan timeout) =>
        new($"rank {rank}: {what} for {timeout.TotalSeconds:0.#} s; that rank died, hangs or never joined (--comm-timeout sets the limit)");
}
