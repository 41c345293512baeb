using BertNative.Contract;
using BertNative.Model.Devices;

namespace BertNative.Model.Parallel;

/// <summary>How the replicas of a run talk: none, Open MPI on the host, or NCCL on the GPU.</summary>
public enum Distribution { Off, Mpi, Nccl }

/// <summary>
/// What <see cref="ReplicaSet.Create"/> builds: <paramref name="Replicas"/> data-parallel replicas in this process (cpu: they
/// share the threads; cuda, ilgpu: GPUs 0..N-1), or one rank per process under mpirun; each step takes
/// <paramref name="Accumulate"/> micro-batches; every wait on another rank is bounded by <paramref name="CommTimeout"/>.
/// </summary>
public sealed record ReplicaOptions(DeviceChoice Device, int Replicas = 1, Distribution Distributed = Distribution.Off, int Accumulate = 1,
    TimeSpan? CommTimeout = null, bool Overlap = true)
{
    public static readonly TimeSpan DefaultCommTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The largest step: --batch x --accumulate pairs.</summary>
    public const int MaxStepPairs = 1 << 24;

    /// <summary>The pairs of one optimizer step: <see cref="Accumulate"/> micro-batches of <paramref name="microBatch"/> pairs.</summary>
    public int StepPairs(int microBatch)
    {
        long pairs = (long)microBatch * Accumulate;
        return pairs <= MaxStepPairs ? (int)pairs : throw new InvalidOptionsException($"--batch x --accumulate is {pairs:N0} pairs a step; keep it at most {MaxStepPairs:N0}");
    }

    /// <summary>These options with the timeout filled in, or one line saying what cannot work.</summary>
    public (DeviceChoice Device, int Replicas, Distribution Distributed, int Accumulate, TimeSpan Timeout, bool Overlap) Validated()
    {
        if (Replicas is < 1 or > 1024) throw new InvalidOptionsException($"--replicas {Replicas}: use 1 to 1024");
        if (Accumulate is < 1 or > 1 << 16) throw new InvalidOptionsException($"--accumulate {Accumulate}: use 1 to {1 << 16}");
        if (Replicas > 1 && Distributed != Distribution.Off)
            throw new InvalidOptionsException("--replicas and --distributed do not combine: under mpirun each process is one replica (mpirun -np N)");
        var timeout = CommTimeout ?? DefaultCommTimeout;
        if (timeout <= TimeSpan.Zero) throw new InvalidOptionsException($"--comm-timeout {timeout.TotalSeconds}: use a positive number of seconds");
        return (Device.Validated(), Replicas, Distributed, Accumulate, timeout, Overlap);
    }
}
