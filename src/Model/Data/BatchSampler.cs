namespace BertNative.Model.Data;

/// <summary>Epoch-shuffled mini-batches of example indices; the last partial batch of an epoch is kept.</summary>
public sealed class BatchSampler
{
    private readonly int[] _order;
    private readonly int _batchSize;
    private readonly SeededRandom _rng;
    private int _next;

    public BatchSampler(int exampleCount, int batchSize, SeededRandom rng)
    {
        if (exampleCount <= 0) throw new BertNative.Contract.BertNativeException("the dataset has no examples; use a larger --max-len or more data");
        if (batchSize <= 0) throw new BertNative.Contract.BertNativeException($"--batch {batchSize} must be positive");
        _order = Enumerable.Range(0, exampleCount).ToArray();
        _batchSize = batchSize;
        _rng = rng;
        _next = _order.Length; // forces a shuffle before the first batch
    }

    public int Epoch { get; private set; }

    /// <summary>The next batch's example indices (a view, valid until the next call).</summary>
    public ReadOnlySpan<int> Next()
    {
        if (_next >= _order.Length)
        {
            _rng.Shuffle<int>(_order);
            _next = 0;
            Epoch++;
        }
        int size = Math.Min(_batchSize, _order.Length - _next);
        var batch = _order.AsSpan(_next, size);
        _next += size;
        return batch;
    }

    /// <summary>Where the sampler is: enough to draw exactly the batches it would have drawn next.</summary>
    public SamplerState Save() => new(Epoch, _next, [.. _order], _rng.State);

    public void Restore(SamplerState state)
    {
        if (state.Order.Length != _order.Length || state.Next < 0 || state.Next > _order.Length)
            throw new BertNative.Contract.BertNativeException($"the saved sampler covers {state.Order.Length} examples, this dataset has {_order.Length}");
        state.Order.CopyTo(_order, 0);
        _next = state.Next;
        Epoch = state.Epoch;
        _rng.Restore(state.Random);
    }
}

/// <summary>A <see cref="BatchSampler"/>'s epoch, position in the epoch's order, the order and the generator's state.</summary>
public sealed record SamplerState(int Epoch, int Next, int[] Order, ulong[] Random);
