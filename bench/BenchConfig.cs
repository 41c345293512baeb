using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace BertNative.Bench;

/// <summary>The one job every benchmark runs under: in-process (no SDK needed, no child build) and short,
/// so a full run takes minutes per backend. GPU timings are steady after a couple of warmups.</summary>
public static class BenchConfig
{
    /// <summary>A cpu training step takes seconds here; BenchmarkDotNet's default 5-minute limit is too tight for a full case.</summary>
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(30);

    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(new InProcessEmitToolchain(Timeout, logOutput: true))
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithId("InProcess")
            .AsDefault());
}
