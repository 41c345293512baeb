using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>
/// Collectives over the ranks of a data-parallel run, on one rank's buffers. Every blocking call gives up
/// after <see cref="Timeout"/> with a <see cref="CommunicatorException"/> naming the rank it waited for,
/// so a rank that dies or never joins stops the others instead of hanging them.
/// Ordering: a call sees every op queued on the rank's backend before it, and ops queued after it returns
/// see its result (the cpu backend runs ops synchronously; stream-ordered backends keep this with events).
/// </summary>
public interface ICommunicator : IDisposable
{
    int Rank { get; }
    int WorldSize { get; }

    /// <summary>What carries the data, for the backend line (e.g. "ring over 2 in-process cpu replicas").</summary>
    string Description { get; }

    TimeSpan Timeout { get; }

    /// <summary>data = the sum of data over all ranks; every rank ends with the same bits, and so does every run.</summary>
    void AllReduceSum(FloatView data);

    /// <summary>Like <see cref="AllReduceSum"/>, but ops queued after it returns are not ordered after it until
    /// <see cref="CompleteDeferred"/>: for gradient buckets summed while the rest of backward runs (backward does not
    /// touch them again). Host communicators finish it before returning, as <see cref="AllReduceSum"/> does.</summary>
    void AllReduceSumDeferred(FloatView data) => AllReduceSum(data);

    /// <summary>Ops queued from now on see the results of every deferred all-reduce.</summary>
    void CompleteDeferred() { }

    /// <summary>data = root's data on every rank.</summary>
    void Broadcast(FloatView data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>This rank failed outside a collective: the ranks waiting on it stop now with <paramref name="reason"/>
    /// instead of at their timeout. After it, this rank's buffers are no longer read by any other rank.</summary>
    void Abort(string reason);
}
