using System.Globalization;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>
/// How many replicas a run trains on is saved with it (world-size: in-process replicas or MPI ranks). A resume on another
/// count is said in one line: the same math, not the same last bits.
/// </summary>
public static class RunTopology
{
    public const string WorldSizeKey = "world-size", DistributedKey = "distributed";

    public static void Record(IDictionary<string, string> runOptions, ReplicaSet replicas)
    {
        runOptions[WorldSizeKey] = replicas.WorldSize.ToString(CultureInfo.InvariantCulture);
        runOptions[DistributedKey] = replicas.UsesMpi ? "mpi" : "off";
    }

    /// <summary>The saved count: false for a run saved before the count was recorded.</summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> saved, out int worldSize, out bool mpi)
    {
        mpi = saved.GetValueOrDefault(DistributedKey) == "mpi";
        return int.TryParse(saved.GetValueOrDefault(WorldSizeKey), out worldSize) && worldSize >= 1;
    }

    /// <summary>After the replicas are created: the line saying that the count changed, or null when it did not.</summary>
    public static string? Change(IReadOnlyDictionary<string, string> saved, ReplicaSet replicas)
    {
        if (!TryRead(saved, out int world, out bool mpi) || world == replicas.WorldSize) return null;
        string Count(int n, bool ranks) => $"{n} {(ranks ? "MPI rank" : "replica")}{(n == 1 ? "" : "s")}";
        return $"note: the run trained on {Count(world, mpi)}; it continues on {Count(replicas.WorldSize, replicas.UsesMpi)}: the same math, " +
               $"not the same last bits (resume on {world} to continue bit-for-bit)";
    }
}
