using BertNative.Contract;
using BertNative.Model.Parallel;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>
/// How many replicas a run trains on is saved with it (world-size: in-process replicas or MPI ranks). A resume keeps that
/// count unless told otherwise: without --replicas it continues on the run's own count (bit-for-bit); another count, asked
/// for with --replicas N or another mpirun -np, is said in one line (the same math, not the same last bits).
/// </summary>
public static class ResumeTopology
{
    private const string WorldSizeKey = "world-size", DistributedKey = "distributed";

    public static void Record(Dictionary<string, string> defining, ReplicaSet replicas)
    {
        defining[WorldSizeKey] = replicas.WorldSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        defining[DistributedKey] = replicas.UsesMpi ? "mpi" : "off";
    }

    /// <summary>Before the replicas are created: a resume without --replicas takes the run's own count.</summary>
    public static ParsedOptions Apply(ParsedOptions o, IReadOnlyDictionary<string, string> saved)
    {
        if (!TryRead(saved, out int world, out bool mpi)) return o; // saved before the count was recorded
        if (o.String("distributed") is "mpi" or "nccl" || o.Has("replicas")) return o;
        if (mpi && world > 1)
            throw new BertNativeException($"the run trained on {world} MPI ranks; resume it under mpirun -np {world} with --distributed mpi to continue bit-for-bit, " +
                                          $"or pass --replicas N to continue on N replicas here (the same math, not the same last bits)");
        return world > 1 ? o.WithSaved(new Dictionary<string, string> { ["replicas"] = saved[WorldSizeKey] }, [ParallelOptions.Replicas]) : o;
    }

    /// <summary>After the replicas are created: the line saying that the count changed, or null when it did not.</summary>
    public static string? Change(IReadOnlyDictionary<string, string> saved, ReplicaSet replicas)
    {
        if (!TryRead(saved, out int world, out bool mpi) || world == replicas.WorldSize) return null;
        string Count(int n, bool ranks) => $"{n} {(ranks ? "MPI rank" : "replica")}{(n == 1 ? "" : "s")}";
        return $"note: the run trained on {Count(world, mpi)}; it continues on {Count(replicas.WorldSize, replicas.UsesMpi)}: the same math, " +
               $"not the same last bits (resume on {world} to continue bit-for-bit)";
    }

    private static bool TryRead(IReadOnlyDictionary<string, string> saved, out int world, out bool mpi)
    {
        mpi = saved.GetValueOrDefault(DistributedKey) == "mpi";
        return int.TryParse(saved.GetValueOrDefault(WorldSizeKey), out world) && world >= 1;
    }
}
