using BertNative.Contract;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>A resume keeps the run's replica count (<see cref="RunTopology"/>) unless told otherwise: without --replicas it
/// continues on the run's own count (bit-for-bit); another count is asked for with --replicas N or another mpirun -np.</summary>
public static class ResumeTopology
{
    /// <summary>Before the replicas are created: a resume without --replicas takes the run's own count.</summary>
    public static ParsedOptions Apply(ParsedOptions o, IReadOnlyDictionary<string, string> saved)
    {
        if (!RunTopology.TryRead(saved, out int world, out bool mpi)) return o; // saved before the count was recorded
        if (o.String("distributed") is "mpi" or "nccl" || o.Has("replicas")) return o;
        if (mpi && world > 1)
            throw new BertNativeException($"the run trained on {world} MPI ranks; resume it under mpirun -np {world} with --distributed mpi to continue bit-for-bit, " +
                                          $"or pass --replicas N to continue on N replicas here (the same math, not the same last bits)");
        return world > 1 ? o.WithSaved(new Dictionary<string, string> { ["replicas"] = saved[RunTopology.WorldSizeKey] }, [ParallelOptions.Replicas]) : o;
    }
}
