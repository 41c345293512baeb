using System.Diagnostics;
using System.Text.Json;
using BertNative.Tests.Cli;
using BertNative.Tests.Support;
using BertNative.Trainer.Cli;

namespace BertNative.Tests.Comm;

/// <summary>
/// Real `mpirun -np 2` runs of the trainer on loopback (Debian's Open MPI): the ranks train the in-process
/// 2-replica run's losses, and a rank that dies or hangs stops the job with a line naming it, within the timeout.
/// </summary>
[NonParallelizable]
public class MpiLaunchTests
{
    private static readonly string[] BookSteps = ["pretrain", "--data", TestData.WikiTextDir, "--batch", "96", "--seed", "4", "--device", "cpu", "--json", "--distributed", "mpi"];

    [Test]
    public void TwoRanksTrainTheLossesOfTwoInProcessReplicas()
    {
        var (code, output, errors) = MpiRun(2, [.. BookSteps, "--steps", "3", "--threads", "1", "--out", Scratch("mpi")]);
        Assert.That(code, Is.Zero, errors);
        Assert.That(output.Trim().Split('\n'), Has.Length.EqualTo(1), "exactly one line on stdout");
        Assert.That(output, Does.Not.Contain("\u001b"), "no terminal codes although the ranks write to a pseudo-terminal");
        var mpi = JsonDocument.Parse(output).RootElement;

        var (localCode, localOutput, localErrors) = CliRunner.Run([.. BookSteps[..^2], "--steps", "3", "--threads", "2", "--replicas", "2", "--out", Scratch("replicas")]);
        Assert.That(localCode, Is.Zero, localErrors);
        var local = JsonDocument.Parse(localOutput.Trim()).RootElement;

        Assert.That(mpi.GetProperty("world_size").GetInt32(), Is.EqualTo(2));
        Assert.That(local.GetProperty("replicas").GetInt32(), Is.EqualTo(2));
        foreach (var loss in new[] { "mlm", "nsp" })
            Assert.That(mpi.GetProperty(loss).GetDouble(), Is.EqualTo(local.GetProperty(loss).GetDouble()).Within(1e-6).Percent, loss);
    }

    [TestCase("kill"), TestCase("hang")]
    public void ARankThatDiesOrHangsStopsTheJobNamingIt(string fault)
    {
        var clock = Stopwatch.StartNew();
        string folder = Scratch(fault);
        var (code, output, errors) = MpiRun(2, [.. BookSteps, "--steps", "6", "--threads", "1", "--comm-timeout", "5", "--out", folder],
            environment: ($"{FaultInjection.Variable}", $"{fault}@1:2"));
        string all = output + errors;
        Assert.That(code, Is.Not.Zero, all);
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(120), "the job did not stop within the timeout plus start-up");
        Assert.That(all, Does.Contain("rank 1"), all);
        if (fault == "hang") Assert.That(all, Does.Contain("rank 0: rank 1 sent nothing for 5 s").Or.Contain("rank 0: rank 1 took nothing for 5 s"));
        if (fault == "kill") return; // mpirun itself ends rank 0 (SIGTERM, then SIGKILL) when a rank dies
        // Rank 0 keeps what was trained: the weights of step 2, the last one every rank finished, in the run folder.
        Assert.That(all, Does.Contain($"the weights of step 2 are saved in {Path.Combine(folder, "checkpoint")}"), all);
        Assert.That(BertNative.Model.Checkpoints.TrainingState.Read(Path.Combine(folder, "checkpoint")).CompletedSteps, Is.EqualTo(2));
    }

    [Test]
    public void CtrlCOnOneRankStopsEveryRankAfterTheSameStepAndSaves()
    {
        string folder = Scratch("stop");
        var (code, output, errors) = MpiRun(2, [.. BookSteps, "--steps", "8", "--threads", "1", "--out", folder],
            environment: (FaultInjection.Variable, "stop@1:2")); // rank 1 is interrupted after step 2
        Assert.That(code, Is.EqualTo(130), output + errors); // 128 + SIGINT: the run was interrupted
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.That(summary.GetProperty("steps").GetInt32(), Is.EqualTo(3), "rank 1 asks during step 3; both ranks end it and stop");
        Assert.That(File.Exists(Path.Combine(folder, "checkpoint", "model.safetensors")), "rank 0 saved the checkpoint");
    }

    [Test]
    public void WithoutASeedEveryRankTakesRankZerosDraw()
    {
        string[] noSeed = ["pretrain", "--data", TestData.WikiTextDir, "--batch", "32", "--steps", "2", "--device", "cpu", "--distributed", "mpi", "--threads", "1", "--json"];
        var (code, output, errors) = MpiRun(2, [.. noSeed, "--out", Scratch("noseed")]);
        Assert.That(code, Is.Zero, output + errors);
        Assert.That(errors, Does.Not.Contain("other settings, data or seed"));
    }

    [Test]
    public void RanksWithDifferentSeedsStopAtTheStart()
    {
        // MPMD: rank 0 and rank 1 get different command lines.
        string[] common = ["pretrain", "--data", TestData.WikiTextDir, "--batch", "96", "--steps", "3", "--device", "cpu", "--distributed", "mpi", "--threads", "1"];
        var (code, output, errors) = MpiRun(1, [.. common, "--seed", "4", "--out", Scratch("seed4"), ":", "-np", "1", Dotnet, Trainer, .. common, "--seed", "5", "--out", Scratch("seed5")]);
        string all = output + errors;
        Assert.That(code, Is.Not.Zero, all);
        Assert.That(all, Does.Contain("rank 1 has other settings, data or seed than rank 0"));
        Assert.That(all, Does.Not.Contain("sentence pairs/sec"), "no step ran");
    }

    [Test]
    public void ARunResumedUnderMpirunEndsBitForBitWhereTheUninterruptedRunEnds()
    {
        string dir = Scratch("resume");
        Directory.CreateDirectory(dir);
        string corpus = Path.Combine(dir, "corpus.txt");
        var rng = new BertNative.Model.Data.SeededRandom(3);
        File.WriteAllLines(corpus, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(30)}")))) + " . "));
        string[] tiny = ["pretrain", "--device", "cpu", "--corpus", corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32", "--hidden", "16",
            "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", "--threads", "1", "--distributed", "mpi"];
        try
        {
            var whole = MpiRun(2, [.. tiny, "--steps", "4", "--out", Path.Combine(dir, "whole")]);
            Assert.That(whole.Code, Is.Zero, whole.Err);
            var first = MpiRun(2, [.. tiny, "--steps", "2", "--out", Path.Combine(dir, "split")]);
            Assert.That(first.Code, Is.Zero, first.Err);
            // Outside mpirun, without --replicas, the 2-rank run is not silently continued on one replica.
            var (alone, _, aloneErr) = CliRunner.Run("pretrain", "--resume", Path.Combine(dir, "split"), "--steps", "4", "--device", "cpu");
            CliRunner.AssertError(alone, aloneErr, 1, "the run trained on 2 MPI ranks; resume it under mpirun -np 2");
            var resumed = MpiRun(2, ["pretrain", "--resume", Path.Combine(dir, "split"), "--steps", "4", "--device", "cpu", "--threads", "1", "--distributed", "mpi"]);
            Assert.That(resumed.Code, Is.Zero, resumed.Err);
            Assert.Multiple(() =>
            {
                foreach (string file in new[] { "model.safetensors", "adam_m.safetensors", "adam_v.safetensors" })
                    Assert.That(File.ReadAllBytes(Path.Combine(dir, "split", "checkpoint", file)), Is.EqualTo(File.ReadAllBytes(Path.Combine(dir, "whole", "checkpoint", file))), file);
                Assert.That(File.ReadAllLines(Path.Combine(dir, "split", "metrics.jsonl")), Has.Length.EqualTo(4), "rank 0 alone writes the run");
            });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ToolPath.Find("dotnet") ?? "dotnet";
    private static string Trainer => Path.Combine(AppContext.BaseDirectory, "bertnative.dll");

    private readonly List<string> _scratch = [];

    /// <summary>A run folder under the temporary directory, removed after the test (each holds a 66 MB checkpoint).</summary>
    private string Scratch(string name)
    {
        string path = Path.Combine(Path.GetTempPath(), $"bertnative-mpi-test-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        _scratch.Add(path);
        return path;
    }

    [TearDown]
    public void RemoveScratch()
    {
        foreach (string path in _scratch.Where(Directory.Exists)) Directory.Delete(path, recursive: true);
        _scratch.Clear();
    }

    private static (int Code, string Out, string Err) MpiRun(int ranks, string[] args, (string Name, string Value)? environment = null)
    {
        string? mpirun = ToolPath.Find("mpirun");
        if (mpirun is null) Assert.Ignore("mpirun not installed (apt-get install openmpi-bin libopenmpi-dev; .ci/install-deps.sh does)");
        var start = new ProcessStartInfo(mpirun!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", ranks.ToString() }) start.ArgumentList.Add(a);
        if (environment is { } env)
        {
            start.Environment[env.Name] = env.Value;
            start.ArgumentList.Add("-x");
            start.ArgumentList.Add(env.Name);
        }
        start.ArgumentList.Add(Dotnet);
        start.ArgumentList.Add(Trainer);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("mpirun did not finish within 4 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
