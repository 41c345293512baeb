using System.Diagnostics;
using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Parallel;

/// <summary>
/// One optimizer step over a global batch, the same math as one device taking the whole batch: the batch is cut
/// into one contiguous shard per rank and each shard into <see cref="Accumulate"/> micro-batches; every part is
/// normalised by the global counts and draws the global dropout masks (<see cref="BatchShare"/>); gradients are
/// summed over the ranks in buckets as backward finishes them; then the update runs on every replica with the same
/// gradients, so the replicas stay identical. A single device is the case of one replica without a communicator.
/// Local replicas (threads of this process) run in parallel; other ranks are other processes.
/// </summary>
public sealed class StepRunner
{
    private readonly Replica[] _replicas;
    private readonly Batch[] _parts;
    private readonly FloatView[] _lossSums;
    private readonly Stopwatch _waiting = new(); // replica 0's wait for the gradient sums

    /// <param name="accumulate">Micro-batches per rank and step; their gradients add up before the update.</param>
    /// <param name="overlap">Reduce each gradient bucket while the rest of backward runs (else after backward).</param>
    public StepRunner(IReadOnlyList<Replica> replicas, int accumulate = 1, bool overlap = true)
    {
        if (replicas.Count == 0) throw new ArgumentException("no replica");
        if (accumulate < 1) throw new ArgumentOutOfRangeException(nameof(accumulate), $"--accumulate {accumulate} must be at least 1");
        _replicas = [.. replicas];
        WorldSize = _replicas[0].WorldSize;
        Accumulate = accumulate;
        Overlap = overlap;
        var m = _replicas[0].Model;
        _parts = _replicas.Select(r => new Batch(r.Model.Capacity, m.SeqLen, PretrainingExamples.PredictionSlotsFor(m.SeqLen))).ToArray();
        _lossSums = _replicas.Select(r => r.Comm is null ? default : r.Model.Backend.AllocateFloats(3)).ToArray();
    }

    public int WorldSize { get; }
    public int Accumulate { get; }
    public bool Overlap { get; }
    public IReadOnlyList<Replica> Replicas => _replicas;

    /// <summary>Other ranks run in other processes: a stop (Ctrl+C) must be agreed, or they would part ways.</summary>
    public bool SpansProcesses => WorldSize > _replicas.Length;

    /// <summary>Whether any rank asked to stop during the last step (the same answer on every rank).</summary>
    public bool StopAgreed { get; private set; }

    /// <summary>Host time the first local replica spent after its backward waiting for the gradient sums, summed over steps.</summary>
    public TimeSpan WaitingOnGradients => _waiting.Elapsed;

    /// <summary>The examples one replica must hold for a global batch of this size.</summary>
    public static int ReplicaCapacity(int globalBatch, int worldSize, int accumulate) => Math.Max(1, BatchParts.LargestPart(globalBatch, worldSize, accumulate));

    /// <summary>Before the first step: rank 0's weights go to every rank, then every rank checks that it holds the same
    /// weights and the same <paramref name="runFingerprint"/> (settings, data, seed) as rank 0; a difference stops every
    /// rank with one line.</summary>
    public void SynchronizeReplicas(ulong runFingerprint) => OnEveryReplica(i =>
    {
        var (model, comm) = (_replicas[i].Model, _replicas[i].Comm);
        if (comm is null) return;
        RankAgreement.Require(comm, model.Backend, runFingerprint, "settings, data or seed",
            "start every rank with the same options, the same data and the same --seed");
        comm.Broadcast(model.Parameters.All, root: 0);
        RankAgreement.Require(comm, model.Backend, RankAgreement.Checksum(model.DownloadParameters()), "weights after the broadcast",
            "the communicator is broken; rerun with --distributed off to check the ranks alone");
    });

    /// <summary>Forward, backward and the gradient sum of one global batch, then <paramref name="update"/> on every local
    /// replica (Adam). Returns the global (MLM, NSP) losses, the same on every rank. <paramref name="stopRequested"/> is asked
    /// when the losses are summed; <see cref="StopAgreed"/> then says whether any rank wants to stop after this step.
    /// <paramref name="accept"/> sees the global losses before the update: false skips it on every replica (the losses are
    /// the same on every rank, so every rank decides alike), leaving the weights of the step before.</summary>
    public (float Mlm, float Nsp) Step(Batch global, long t, ulong seed, Action<BertModel> update, Func<bool>? stopRequested = null,
        Func<float, float, bool>? accept = null)
    {
        var losses = new (float, float, bool)[_replicas.Length];
        int predictions = BatchShare.RealPredictions(global); // every part's MLM loss is over the global count
        OnEveryReplica(i => losses[i] = StepReplica(i, global, predictions, t, seed, update, stopRequested, accept));
        StopAgreed = losses[0].Item3;
        return (losses[0].Item1, losses[0].Item2);
    }

    /// <summary>Runs the body for every local replica, each on its own thread when there are several (collectives need
    /// all of them at once); a failing replica aborts its communicator so the others stop too.</summary>
    private void OnEveryReplica(Action<int> body)
    {
        if (_replicas.Length == 1)
        {
            Guarded(0, body);
            return;
        }
        var errors = new Exception?[_replicas.Length];
        var threads = Enumerable.Range(0, _replicas.Length).Select(i => new Thread(() =>
        {
            try { Guarded(i, body); }
            catch (Exception e) { errors[i] = e; }
        })).ToArray();
        foreach (var thread in threads) thread.Start();
        foreach (var thread in threads) thread.Join();
        ThrowFirstFailure(errors);
    }

    private void Guarded(int i, Action<int> body)
    {
        try
        {
            if (_replicas.Length > 1) _replicas[i].Model.Backend.BindToCallingThread();
            body(i);
        }
        catch (Exception e)
        {
            Abort(i, e);
            throw;
        }
    }

    private void Abort(int i, Exception e) =>
        _replicas[i].Comm?.Abort(e is Comm.CommunicatorException ? e.Message : $"rank {_replicas[i].Rank} failed: {e.Message}");

    private (float Mlm, float Nsp, bool Stop) StepReplica(int i, Batch global, int globalPredictions, long t, ulong seed,
        Action<BertModel> update, Func<bool>? stopRequested, Func<float, float, bool>? accept)
    {
        var (model, comm) = (_replicas[i].Model, _replicas[i].Comm);
        var reducer = comm is null ? null : new BucketReducer(model, comm, Overlap);
        try
        {
            model.ZeroGradients();
            float mlm = 0, nsp = 0;
            for (int k = 0; k < Accumulate; k++)
            {
                var (first, count) = BatchParts.Of(global.Size, WorldSize, _replicas[i].Rank, Accumulate, k);
                if (count == 0) continue; // a last batch smaller than ranks x micro-batches: this part adds nothing
                var part = global;
                if (count != global.Size)
                {
                    part = _parts[i];
                    part.FillFrom(global, first, count);
                }
                model.LoadBatch(part, BatchParts.Share(global, first, globalPredictions));
                model.ForwardEncoder(training: true, seed, t);
                model.ForwardHeads(withGradients: true);
                model.Backward(k == Accumulate - 1 ? reducer?.OnBucketReady : null);
                var (partMlm, partNsp) = model.ReadLosses(); // waits for the device
                mlm += partMlm;
                nsp += partNsp;
            }
            bool stop = stopRequested?.Invoke() ?? false;
            if (reducer is not null && comm is not null)
            {
                if (i == 0) _waiting.Start();
                reducer.Finish();
                if (i == 0) _waiting.Stop();
                (mlm, nsp, stop) = SumOverRanks(i, mlm, nsp, stop);
            }
            if (accept?.Invoke(mlm, nsp) ?? true) update(model);
            model.Backend.Synchronize(); // the step, Adam included, is done when it returns
            return (mlm, nsp, stop);
        }
        catch (Exception e)
        {
            Abort(i, e); // first: it also wakes this replica's own reducer if it waits on another rank
            reducer?.Cancel();
            throw;
        }
    }

    /// <summary>The losses summed over the ranks, and whether any rank asked to stop (a count of requests rides along).</summary>
    private (float Mlm, float Nsp, bool Stop) SumOverRanks(int i, float mlm, float nsp, bool stop)
    {
        var backend = _replicas[i].Model.Backend;
        Span<float> sums = [mlm, nsp, stop ? 1f : 0f];
        backend.Upload(_lossSums[i], sums);
        _replicas[i].Comm!.AllReduceSum(_lossSums[i]);
        backend.Download(_lossSums[i], sums);
        return (sums[0], sums[1], sums[2] > 0f);
    }

    /// <summary>The root cause: a replica's own failure rather than the aborts it caused in the others.</summary>
    private static void ThrowFirstFailure(Exception?[] errors)
    {
        var failures = errors.Where(e => e is not null).Select(e => e!).ToArray();
        if (failures.Length == 0) return;
        var root = failures.FirstOrDefault(e => e is not Comm.CommunicatorException) ?? failures[0];
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(root).Throw();
    }
}
