namespace BertNative.Model.Training;

/// <summary>The one-object result of a run (summary.json, and stdout with --json). Mlm and Nsp are the means over
/// every step of the run (a resumed run's earlier steps included); the eval_* fields are the last evaluation's.
/// MicroBatch (micro_batch) is --batch, the pairs of one forward pass over all replicas; StepPairs (step_pairs) those of one
/// optimizer step (micro_batch x accumulate). CudaSimulation (cuda_simulation) is true when the cuda backend ran on the CPU simulation (BERTNATIVE_CUDA_SIM=1), else absent.</summary>
public sealed record PretrainSummary(double Mlm, double Nsp, double PairsPerSec, double SteadyPairsPerSec, int Steps, int MicroBatch, int MaxLen,
    long Parameters, string Backend, string Device, ulong Seed, bool BookPytorch, string RunDir, string Checkpoint,
    double? EvalMlmLoss = null, double? EvalMlmAccuracy = null, double? EvalNspLoss = null, double? EvalNspAccuracy = null,
    int Replicas = 1, int WorldSize = 1, int Accumulate = 1, int StepPairs = 0, double AllreduceWaitShare = 0, bool? CudaSimulation = null)
{
    public const string FileName = "summary.json";

    /// <summary>Why --device auto chose the backend (absent for an explicit --device).</summary>
    public string? BackendChoice { get; init; }
}
