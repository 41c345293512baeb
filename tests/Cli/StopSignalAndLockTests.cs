using BertNative.Model.Training;
using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>A real trainer process stopped by signals and holding its run folder: SIGTERM and SIGHUP save and exit with
/// 128 + the signal, a second signal quits at once with the saved checkpoint intact, a kill -9 leaves no stale lock, and a
/// second run on a held folder is refused naming the holder.</summary>
[NonParallelizable]
public class StopSignalAndLockTests
{
    private string _dir = "", _corpus = "";

    private string[] Tiny(params string[] more) =>
    [
        "pretrain", "--device", "cpu", "--threads", "1", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
        "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", .. more,
    ];

    [SetUp]
    public void MakeFolder()
    {
        _dir = Directory.CreateTempSubdirectory("bn-signal-").FullName;
        _corpus = Path.Combine(_dir, "corpus.txt");
        var rng = new BertNative.Model.Data.SeededRandom(3);
        File.WriteAllLines(_corpus, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(30)}")))) + " . "));
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Run => Path.Combine(_dir, "run");
    private int MetricsLines() => File.Exists(Path.Combine(Run, "metrics.jsonl")) ? File.ReadAllLines(Path.Combine(Run, "metrics.jsonl")).Length : 0;

    [TestCase(15, "SIGTERM"), TestCase(1, "SIGHUP"), TestCase(2, "SIGINT")]
    public void ASignalSavesTheRunWhichResumesFromTheStepItStopped(int signal, string name)
    {
        using var trainer = new TrainerProcess(Tiny("--steps", "100000", "--out", Run));
        trainer.WaitFor(() => MetricsLines() >= 3, "three steps");

        // While it trains, the folder is its own: another run, a resume and --overwrite are refused naming it.
        foreach (var args in new[] { Tiny("--steps", "2", "--out", Run), Tiny("--steps", "2", "--out", Run, "--overwrite"),
                     ["pretrain", "--resume", Run, "--steps", "5", "--device", "cpu"] })
        {
            var (code, _, err) = CliRunner.Run(args);
            Assert.That(code, Is.EqualTo(1), err);
            Assert.That(CliRunner.ErrorLine(err), Does.Contain($"is in use by another run (PID {trainer.Id})"));
        }

        trainer.Signal(signal);
        int exit = trainer.WaitForExit();
        var lines = trainer.Err.Split('\n').Where(l => l.StartsWith($"stopped by {name}", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.EqualTo(128 + signal), trainer.Err);
            Assert.That(lines, Has.Count.EqualTo(1), trainer.Err);
            Assert.That(trainer.Err, Does.Not.Contain("error:"));
            Assert.That(File.Exists(Path.Combine(Run, RunFolderLock.FileName)), Is.False, "the lock file goes with the run");
        });
        int stoppedAt = int.Parse(lines[0].Split("after step ")[1].Split(' ')[0]);
        Assert.That(lines[0], Does.Contain($"the checkpoint is saved in {Path.Combine(Run, "checkpoint")}").And.Contain($"--resume {Run}"));

        var (resumed, _, resumeErr) = CliRunner.Run("pretrain", "--resume", Run, "--steps", (stoppedAt + 2).ToString(), "--device", "cpu", "--threads", "1");
        Assert.That(resumed, Is.Zero, resumeErr);
        Assert.That(resumeErr, Does.Contain($"resuming {Run} after step {stoppedAt} of {stoppedAt + 2}"));
        Assert.That(MetricsLines(), Is.EqualTo(stoppedAt + 2));
    }

    [Test]
    public void ASecondSignalQuitsAtOnceAndTheLastCheckpointStaysIntact()
    {
        using var trainer = new TrainerProcess(Tiny("--steps", "100000", "--save-every", "1", "--out", Run));
        trainer.WaitFor(() => MetricsLines() >= 3 && Directory.Exists(Path.Combine(Run, "checkpoint")), "a saved checkpoint");
        trainer.Signal(15);
        trainer.Signal(15);
        int exit = trainer.WaitForExit();
        Assert.That(exit, Is.EqualTo(143), trainer.Err);
        Assert.That(trainer.Err, Does.Not.Contain("error:").And.Not.Contain("   at "));
        // The checkpoint (or the one a cut swap left beside it) loads and verifies.
        var (code, _, err) = CliRunner.Run("encode", "--checkpoint", Path.Combine(Run, "checkpoint"), "--device", "cpu", "--text", "w1 w2");
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Not.Contain("warning:"));
    }

    [Test]
    public void AKilledRunLeavesNoStaleLock()
    {
        using var trainer = new TrainerProcess(Tiny("--steps", "100000", "--save-every", "2", "--out", Run));
        trainer.WaitFor(() => MetricsLines() >= 3 && Directory.Exists(Path.Combine(Run, "checkpoint")), "a saved checkpoint");
        trainer.Signal(9);
        trainer.WaitForExit();
        var (code, _, err) = CliRunner.Run("pretrain", "--resume", Run, "--steps", "200", "--device", "cpu", "--threads", "1");
        Assert.That(code, Is.Zero, err);
    }

    [Test]
    public void TwoRunsStartedTogetherOneRunsTheOtherNamesIt()
    {
        using var first = new TrainerProcess(Tiny("--steps", "30", "--out", Run));
        using var second = new TrainerProcess(Tiny("--steps", "30", "--out", Run));
        int a = first.WaitForExit(), b = second.WaitForExit();
        Assert.That(new[] { a, b }, Is.EquivalentTo(new[] { 0, 1 }), first.Err + second.Err);
        var (winner, loser) = a == 0 ? (first, second) : (second, first);
        Assert.That(loser.Err, Does.Contain($"is in use by another run (PID {winner.Id})").Or.Contain("is not empty"));
        Assert.That(MetricsLines(), Is.EqualTo(30), "one run's metrics, not two interleaved");
    }

    [Test]
    public void DefaultRunFoldersStartedInTheSameSecondDoNotCollide()
    {
        using var first = RunFolder.ForNewRun(null, overwrite: false);
        using var second = RunFolder.ForNewRun(null, overwrite: false);
        // Within the same second the second run takes the -2 suffix; across a second boundary the names differ anyway.
        Assert.That(second.Path, Is.EqualTo(first.Path + "-2").Or.Not.StartWith(first.Path));
        Assert.That(Directory.Exists(first.Path) && Directory.Exists(second.Path), "both are created and held");
    }
}
