using BertNative.Comm;

namespace BertNative.Model.Parallel;

/// <summary>One model on its own device (or its share of the cpu's threads) and its end of the communicator
/// (null when it is the only one).</summary>
public sealed record Replica(BertModel Model, ICommunicator? Comm)
{
    public int Rank => Comm?.Rank ?? 0;
    public int WorldSize => Comm?.WorldSize ?? 1;
}
