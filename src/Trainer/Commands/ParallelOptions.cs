using BertNative.Model.Parallel;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>The data-parallel options of pretrain, read into a <see cref="ReplicaOptions"/>.</summary>
public static class ParallelOptions
{
    public static readonly OptionSpec Replicas = OptionSpec.Value("replicas", "N", "1",
        "data-parallel replicas in this process (cpu: they share --threads; cuda, ilgpu: GPUs 0..N-1)");
    public static readonly OptionSpec Accumulate = OptionSpec.Value("accumulate", "K", "1",
        "micro-batches of --batch pairs per step: the gradient of K x --batch pairs with the memory of --batch");
    public static readonly OptionSpec Distributed = OptionSpec.Value("distributed", "off|mpi|nccl", "off",
        "one rank per process, started by mpirun -np N: mpi sums on the host (any backend), nccl on the GPU (cuda)");
    public static readonly OptionSpec CommTimeout = OptionSpec.Value("comm-timeout", "S", "60",
        "seconds a rank waits for another before stopping with an error naming it");
    public static readonly OptionSpec NoOverlap = OptionSpec.Flag("no-overlap",
        "sum the gradients after backward instead of while it runs (the same bits; for measuring)");
    public static readonly OptionSpec[] All = [Replicas, Accumulate, Distributed, CommTimeout, NoOverlap];

    public static ReplicaOptions Read(ParsedOptions o) => new(
        DeviceOptions.Read(o),
        o.Int("replicas", 1, 1024),
        o.Choice("distributed", "off", "mpi", "nccl") switch { "mpi" => Distribution.Mpi, "nccl" => Distribution.Nccl, _ => Distribution.Off },
        o.Int("accumulate", 1, 1 << 16),
        TimeSpan.FromSeconds(o.Float("comm-timeout", 0.1f, 86_400f)),
        Overlap: !o.Flag("no-overlap"));
}
