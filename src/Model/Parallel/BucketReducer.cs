using System.Collections.Concurrent;
using BertNative.Comm;

namespace BertNative.Model.Parallel;

/// <summary>
/// Sums one replica's gradient buckets over the ranks, in the fixed order backward finishes them. With overlap a
/// worker reduces each bucket as soon as backward reports it, while the rest of backward runs; without, the same
/// calls run after backward. Same buckets, same order, same ring: the two give the same bits.
/// </summary>
internal sealed class BucketReducer
{
    private readonly BertModel _model;
    private readonly ICommunicator _comm;
    private readonly BlockingCollection<int>? _ready;
    private readonly Task? _worker;
    private int _queued; // buckets handed to the worker so far

    public BucketReducer(BertModel model, ICommunicator comm, bool overlap)
    {
        _model = model;
        _comm = comm;
        if (!overlap) return;
        _ready = new BlockingCollection<int>();
        _worker = Task.Factory.StartNew(() =>
        {
            foreach (int bucket in _ready.GetConsumingEnumerable()) Reduce(bucket, deferred: true);
        }, TaskCreationOptions.LongRunning);
    }

    /// <summary>The hook for <see cref="BertModel.Backward"/> (null without overlap).</summary>
    public Action<int>? OnBucketReady => _ready is null ? null : Enqueue;

    private void Enqueue(int bucket)
    {
        _ready!.Add(bucket);
        _queued++;
    }

    /// <summary>Returns once every bucket has been summed over the ranks. Buckets backward did not report (a rank
    /// whose share of a small last batch is empty runs no backward, and sends zeros) are reduced here, in order.</summary>
    public void Finish()
    {
        int buckets = _model.Layout.BackwardBuckets.Count;
        if (_ready is null)
        {
            for (int b = 0; b < buckets; b++) Reduce(b, deferred: false);
            return;
        }
        while (_queued < buckets) Enqueue(_queued);
        _ready.CompleteAdding();
        _worker!.GetAwaiter().GetResult();
        _comm.CompleteDeferred();
    }

    /// <summary>Stops the worker after a failure elsewhere (its pending buckets are dropped).</summary>
    public void Cancel()
    {
        if (_ready is null || _ready.IsAddingCompleted) return;
        _ready.CompleteAdding();
        try { _worker!.Wait(); } catch (AggregateException) { /* the first failure is reported by the caller */ }
    }

    /// <summary>Deferred on a GPU: the compute stream goes on with backward while the bucket is reduced, and waits
    /// for all of them once, in <see cref="Finish"/>.</summary>
    private void Reduce(int bucket, bool deferred)
    {
        var b = _model.Layout.BackwardBuckets[bucket];
        var window = _model.Gradients.All.Slice(b.Offset, b.Count);
        if (deferred) _comm.AllReduceSumDeferred(window);
        else _comm.AllReduceSum(window);
    }
}
