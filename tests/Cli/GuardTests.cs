namespace BertNative.Tests.Cli;

/// <summary>Runs that would train or report nonsense say so: a tiny vocabulary, an evaluation text of mostly unknown
/// words, a loss that explodes (stopped, last good weights saved), more threads than cores, and a resume on another
/// replica count.</summary>
public class GuardTests
{
    private string _dir = "", _corpus = "";

    private string[] Tiny(params string[] more) =>
    [
        "pretrain", "--device", "cpu", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
        "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", .. more,
    ];

    [SetUp]
    public void MakeFolder()
    {
        _dir = Directory.CreateTempSubdirectory("bn-guard-").FullName;
        _corpus = Corpus("corpus.txt", "w");
    }

    private string Corpus(string name, string prefix)
    {
        string path = Path.Combine(_dir, name);
        var rng = new BertNative.Model.Data.SeededRandom(3);
        File.WriteAllLines(path, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"{prefix}{rng.NextInt(30)}")))) + " . "));
        return path;
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Out(string name) => Path.Combine(_dir, name);

    [Test]
    public void ATinyVocabularyIsAWarningAndNoVocabularyAtAllIsAnError()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--out", Out("run")));
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain("warning: the vocabulary holds only 36 tokens").And.Contain("lower --min-freq"));

        string[] args = Tiny("--steps", "1", "--out", Out("none"));
        args[Array.IndexOf(args, "--min-freq") + 1] = "1000000";
        (code, _, err) = CliRunner.Run(args);
        CliRunner.AssertError(code, err, 1, "appears --min-freq 1000000 times");
    }

    [Test]
    public void AnEvaluationTextOfUnknownWordsSaysItsShare()
    {
        Assert.That(CliRunner.Run(Tiny("--steps", "1", "--out", Out("run"))).Code, Is.Zero);
        string other = Corpus("other.txt", "z");
        var (code, _, err) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(Out("run"), "checkpoint"), "--corpus", other, "--device", "cpu");
        Assert.That(code, Is.Zero, err);
        // Every word is unknown; only the sentence separator "." is in the vocabulary.
        Assert.That(err, Does.Match(@"warning: 9\d% of the words of .*other\.txt are not in the model's vocabulary"));
        (code, _, err) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(Out("run"), "checkpoint"), "--corpus", _corpus, "--device", "cpu");
        Assert.That(err, Does.Not.Contain("warning:"), "the training text itself is known");
    }

    [Test]
    public void AnExplodingLossStopsWithTheLastGoodWeightsSaved()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "40", "--lr", "100", "--out", Out("run")));
        string line = CliRunner.ErrorLine(err);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(line, Does.Contain("training diverged at step").And.Contain("try --lr 10 (now 100) or --clip 1"));
            Assert.That(line, Does.Contain($"are saved in {Path.Combine(Out("run"), "checkpoint")}"));
        });
        // The saved weights are finite and are those of the step before the divergence.
        int diverged = int.Parse(line.Split("diverged at step ")[1].Split(':')[0]);
        var state = BertNative.Model.Checkpoints.TrainingState.Read(Path.Combine(Out("run"), "checkpoint"));
        Assert.That(state.CompletedSteps, Is.EqualTo(diverged - 1));
        var (encoded, _, encodeErr) = CliRunner.Run("encode", "--checkpoint", Path.Combine(Out("run"), "checkpoint"), "--device", "cpu", "--text", "w1 w2");
        Assert.That(encoded, Is.Zero, encodeErr);
    }

    [Test]
    public void MoreThreadsThanCoresIsAWarning()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--threads", "1000", "--out", Out("run")));
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain($"warning: --threads 1000 is more than the {Environment.ProcessorCount} cores"));
    }

    [Test]
    public void TheAutoBackendLineIsShortAndTheReasonsGoToVerboseAndTheSummary()
    {
        string[] args = Tiny("--steps", "1", "--out", Out("run"), "--verbose");
        args[Array.IndexOf(args, "--device") + 1] = "auto";
        var (code, _, err) = CliRunner.Run(args);
        Assert.That(code, Is.Zero, err);
        string backend = err.Split('\n')[0];
        Assert.Multiple(() =>
        {
            Assert.That(backend, Does.StartWith("backend ").And.Contain("(auto: "));
            Assert.That(backend.Length, Is.LessThan(160), backend);
            Assert.That(err, Does.Contain("\ndevice auto: cuda: "), "--verbose says why");
            Assert.That(err, Does.Not.Match(@"\.cu:\d+"), "no source path of the build machine");
            Assert.That(File.ReadAllText(Path.Combine(Out("run"), "summary.json")), Does.Contain("\"backend_choice\""));
        });
        Assert.That(BertNative.Model.Devices.BackendSelector.WithoutSourcePaths("bn_device_count: no device in cudaGetDeviceCount(count) (/home/ci/native/kernels/api.cu:52); next"),
            Is.EqualTo("bn_device_count: no device in cudaGetDeviceCount(count); next"));
    }

    [Test]
    public void MessagesNameTheRightOptionAndCause()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "2", "--eval-every", "1", "--eval-corpus", Out("missing.txt"), "--out", Out("a")));
        CliRunner.AssertError(code, err, 1, "missing.txt does not exist; check the path");
        Assert.That(err, Does.Not.Contain("WikiText"));

        File.WriteAllBytes(Out("binary.txt"), [0x50, 0x4b, 0x03, 0x04, 0x00, 0x20, 0x2e, 0x20]);
        string[] args = Tiny("--steps", "1", "--out", Out("b"));
        args[Array.IndexOf(args, "--corpus") + 1] = Out("binary.txt");
        (code, _, err) = CliRunner.Run(args);
        CliRunner.AssertError(code, err, 1, "is not a text file");
        Assert.That(err, Does.Not.Contain("re-download"));

        (code, _, err) = CliRunner.Run("pretrain", "--distributed", "nccl", "--device", "auto", "--out", Out("c"));
        Assert.That(CliRunner.ErrorLine(err), Does.StartWith("error: --distributed nccl").And.Not.Contain("--distributed mpi:"));

        Directory.CreateDirectory(Path.Combine(Out("d"), "metrics.jsonl"));
        (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--out", Out("d"), "--overwrite"));
        CliRunner.AssertError(code, err, 1, "cannot write metrics.jsonl in run folder");
        Assert.That(err, Does.Contain("a folder of that name is in the way").And.Not.Contain("denied"));
    }

    [Test]
    public void AResumeKeepsTheRunsReplicasAndSaysWhenAskedForOthers()
    {
        string[] parallel = ["--replicas", "2", "--threads", "2"];
        Assert.That(CliRunner.Run(Tiny([.. parallel, "--steps", "4", "--out", Out("whole")])).Code, Is.Zero);
        Assert.That(CliRunner.Run(Tiny([.. parallel, "--steps", "2", "--out", Out("split")])).Code, Is.Zero);
        var (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("split"), "--steps", "4", "--device", "cpu", "--threads", "2");
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain("2 replicas").And.Not.Contain("note: the run trained on"), "without --replicas it continues on the run's 2");
        Assert.That(File.ReadAllBytes(Path.Combine(Out("split"), "checkpoint", "model.safetensors")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(Out("whole"), "checkpoint", "model.safetensors"))), "bit-for-bit");

        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("split"), "--steps", "6", "--device", "cpu", "--replicas", "1");
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain("note: the run trained on 2 replicas; it continues on 1 replica: the same math, not the same last bits"));
    }
}
