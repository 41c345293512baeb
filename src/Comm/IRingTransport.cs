using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>
/// What a ring needs from whatever carries the data: send a window of this rank's buffer to the next rank and
/// receive the previous rank's window into one of this rank's, added or copied. Sends and receives pair up in
/// program order (the n-th send of rank r is the n-th receive of rank r + 1). In-process replicas, MPI processes
/// and GPUs each implement it once; <see cref="RingCommunicator"/> holds the one schedule.
/// </summary>
public interface IRingTransport : IDisposable
{
    int Rank { get; }
    int WorldSize { get; }
    string Description { get; }
    TimeSpan Timeout { get; }

    /// <summary>Makes <paramref name="data"/> available to the next rank and returns without waiting;
    /// the window must not change until <see cref="CompleteSend"/> returns.</summary>
    void BeginSend(FloatView data);

    /// <summary>Waits for the previous rank's next send and writes it into <paramref name="destination"/>
    /// (destination += received when <paramref name="add"/>, else destination = received). Lengths must match.</summary>
    void Receive(FloatView destination, bool add);

    /// <summary>Waits until the next rank has taken the window of the last <see cref="BeginSend"/>.</summary>
    void CompleteSend();

    /// <summary>Stream-ordered transports (GPUs): until <see cref="EndDeferred"/>, steps are ordered after the compute
    /// work queued before this call only, and compute work queued later does not wait for them until
    /// <see cref="JoinCompute"/>. Host transports finish every step before returning: nothing to do.</summary>
    void BeginDeferred() { }

    void EndDeferred() { }

    /// <summary>Compute work queued from now on waits for every step queued so far.</summary>
    void JoinCompute() { }

    /// <summary>Tells every rank waiting on this one that it failed, so they stop now instead of at their timeout.</summary>
    void Abort(string reason);
}
