using System.Text.Json;

namespace BertNative.Trainer.Commands;

/// <summary>The one-object result of a run (summary.json, and stdout with --json).</summary>
public sealed record PretrainSummary(double Mlm, double Nsp, double PairsPerSec, double SteadyPairsPerSec, int Steps, int Batch, int MaxLen,
    long Parameters, string Backend, string Device, ulong Seed, bool BookPytorch, string RunDir, string Checkpoint,
    int Replicas = 1, int WorldSize = 1, int Accumulate = 1, double AllreduceWaitShare = 0)
{
    public static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
