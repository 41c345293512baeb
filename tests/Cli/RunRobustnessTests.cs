using System.Text.Json;
using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>pretrain, evaluate and encode as a new user drives them: own text, resume, evaluation, and every bad
/// input or unwritable run folder answered with one line and an exit code, never a stack trace or lost weights.</summary>
public class RunRobustnessTests
{
    private string _dir = "";
    private string _corpus = "";

    // A small model on a small synthetic corpus (120 examples at max_len 16): each run takes well under a second.
    private string[] Tiny(params string[] more) =>
    [
        "pretrain", "--device", "cpu", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
        "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", .. more,
    ];

    [SetUp]
    public void MakeFolder()
    {
        _dir = Directory.CreateTempSubdirectory("bn-cli-").FullName;
        _corpus = Path.Combine(_dir, "corpus.txt");
        var rng = new BertNative.Model.Data.SeededRandom(3);
        File.WriteAllLines(_corpus, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(30)}")))) + " . "));
    }

    [TearDown]
    public void RemoveFolder()
    {
        foreach (var d in Directory.GetDirectories(_dir, "*", SearchOption.AllDirectories)) File.SetAttributes(d, FileAttributes.Normal);
        Directory.Delete(_dir, recursive: true);
    }

    private string Out(string name) => Path.Combine(_dir, name);

    [Test]
    public void ResumeContinuesToTheTotalAndEndsWhereAnUninterruptedRunEnds()
    {
        Assert.That(CliRunner.Run(Tiny("--steps", "6", "--out", Out("whole"))).Code, Is.Zero);
        Assert.That(CliRunner.Run(Tiny("--steps", "2", "--out", Out("split"))).Code, Is.Zero);
        var (code, output, err) = CliRunner.Run("pretrain", "--resume", Out("split"), "--steps", "6", "--device", "cpu", "--json");
        Assert.That(code, Is.Zero, err);
        Assert.Multiple(() =>
        {
            Assert.That(err, Does.Contain($"resuming {Out("split")} after step 2 of 6"));
            Assert.That(File.ReadAllBytes(Path.Combine(Out("split"), "checkpoint", "model.safetensors")),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(Out("whole"), "checkpoint", "model.safetensors"))));
            Assert.That(File.ReadAllLines(Path.Combine(Out("split"), "metrics.jsonl")), Has.Length.EqualTo(6), "steps 1-2, then 3-6");
            Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("steps").GetInt32(), Is.EqualTo(6));
        });
    }

    [Test]
    public void ResumeWithDataParallelReplicasAndAccumulationIsBitForBitToo()
    {
        string[] parallel = ["--replicas", "2", "--accumulate", "2", "--threads", "2"];
        Assert.That(CliRunner.Run(Tiny([.. parallel, "--steps", "6", "--out", Out("whole")])).Code, Is.Zero);
        Assert.That(CliRunner.Run(Tiny([.. parallel, "--steps", "3", "--out", Out("split")])).Code, Is.Zero);
        var (code, _, err) = CliRunner.Run(["pretrain", "--resume", Out("split"), "--steps", "6", "--device", "cpu", .. parallel]);
        Assert.That(code, Is.Zero, err);
        Assert.That(File.ReadAllBytes(Path.Combine(Out("split"), "checkpoint", "model.safetensors")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(Out("whole"), "checkpoint", "model.safetensors"))));
    }

    [Test]
    public void EvaluateEveryWritesMetricsAndTheEvaluateCommandAgrees()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "4", "--eval-every", "2", "--eval-corpus", _corpus, "--out", Out("run")));
        Assert.That(code, Is.Zero, err);
        var evaluations = File.ReadAllLines(Path.Combine(Out("run"), "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("split", out _)).ToList();
        var (evalCode, json, evalErr) = CliRunner.Run("evaluate", "--checkpoint", Path.Combine(Out("run"), "checkpoint"), "--corpus", _corpus, "--device", "cpu", "--json");
        Assert.That(evalCode, Is.Zero, evalErr);
        var result = JsonDocument.Parse(json).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(evaluations.Select(e => e.GetProperty("step").GetInt32()), Is.EqualTo(new[] { 2, 4 }));
            Assert.That(err, Does.Contain("MLM loss").And.Contain("perplexity").And.Contain("NSP loss"));
            Assert.That(File.ReadAllText(Path.Combine(Out("run"), "loss.svg")), Does.Contain("<circle"), "evaluations are drawn");
            // Same checkpoint, same text, same fixed seed, inference mode: the same numbers.
            Assert.That(result.GetProperty("mlm_loss").GetDouble(), Is.EqualTo(evaluations[^1].GetProperty("mlm_loss").GetDouble()).Within(1e-9));
            Assert.That(result.GetProperty("mlm_accuracy").GetDouble(), Is.InRange(0.0, 1.0));
            Assert.That(result.GetProperty("perplexity").GetDouble(), Is.EqualTo(Math.Exp(result.GetProperty("mlm_loss").GetDouble())).Within(1e-9));
        });
        // Evaluating between steps changes nothing in training.
        Assert.That(CliRunner.Run(Tiny("--steps", "4", "--out", Out("plain"))).Code, Is.Zero);
        Assert.That(File.ReadAllBytes(Path.Combine(Out("run"), "checkpoint", "model.safetensors")),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(Out("plain"), "checkpoint", "model.safetensors"))));
    }

    [Test]
    public void ANonEmptyRunFolderIsRefusedUnlessOverwritten()
    {
        Directory.CreateDirectory(Out("run"));
        File.WriteAllText(Path.Combine(Out("run"), "notes.txt"), "mine");
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--out", Out("run")));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("is not empty").And.Contain("--resume").And.Contain("--overwrite"));
            Assert.That(Directory.GetFileSystemEntries(Out("run")), Has.Length.EqualTo(1), "nothing written");
            Assert.That(err, Does.Not.Contain("data:"), "refused before the slow parts");
        });
        Assert.That(CliRunner.Run(Tiny("--steps", "1", "--out", Out("run"), "--overwrite")).Code, Is.Zero);
    }

    [Test]
    public void ACheckpointPathThatIsAFileKeepsTheWeightsInAFallbackFolder()
    {
        Directory.CreateDirectory(Out("run"));
        File.WriteAllText(Path.Combine(Out("run"), "checkpoint"), "in the way");
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "2", "--out", Out("run"), "--overwrite"));
        string line = CliRunner.ErrorLine(err);
        string fallback = line[(line.IndexOf("saved in ", StringComparison.Ordinal) + 9)..].Split(' ')[0];
        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.EqualTo(1));
                Assert.That(line, Does.Contain("cannot write checkpoint/").And.Contain("the weights of step 2 are saved in"));
                Assert.That(File.Exists(Path.Combine(fallback, "model.safetensors")), Is.True, fallback);
            });

            // As the message says: the rescue copied into the run folder's checkpoint/ resumes; once the run's own
            // save holds those steps, the rescue is gone.
            File.Delete(Path.Combine(Out("run"), "checkpoint"));
            CopyFolder(fallback, Path.Combine(Out("run"), "checkpoint"));
            var (resumed, _, resumeErr) = CliRunner.Run(["pretrain", "--resume", Out("run"), "--steps", "3"]);
            Assert.That(resumed, Is.Zero, resumeErr);
            Assert.That(Directory.Exists(fallback), Is.False, "a rescue outlived the save that replaced it");
        }
        finally { if (Directory.Exists(fallback)) Directory.Delete(fallback, recursive: true); }
    }

    [Test]
    public void ALaterRescueOfTheSameRunReplacesTheEarlierOne()
    {
        Directory.CreateDirectory(Out("run"));
        File.WriteAllText(Path.Combine(Out("run"), "checkpoint"), "in the way");
        string first = BertNative.Model.Training.RescueFolders.PathFor(Out("run"), 2);
        string second = BertNative.Model.Training.RescueFolders.PathFor(Out("run"), 3);
        string other = BertNative.Model.Training.RescueFolders.PathFor(Out("other"), 2);
        try
        {
            Directory.CreateDirectory(other);
            Assert.That(CliRunner.Run(Tiny("--steps", "2", "--out", Out("run"), "--overwrite")).Code, Is.EqualTo(1));
            Assert.That(Directory.Exists(first), Is.True, first);
            Assert.That(CliRunner.Run(Tiny("--steps", "3", "--out", Out("run"), "--overwrite")).Code, Is.EqualTo(1));
            Assert.Multiple(() =>
            {
                Assert.That(Directory.Exists(second), Is.True, second);
                Assert.That(Directory.Exists(first), Is.False, "the step-2 rescue is superseded by the step-3 one");
                Assert.That(Directory.Exists(other), Is.True, "another run's rescue is not touched");
            });
        }
        finally
        {
            foreach (var f in new[] { first, second, other }) if (Directory.Exists(f)) Directory.Delete(f, recursive: true);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    [Test]
    public void MetricsPathThatIsAFolderFailsBeforeTraining()
    {
        Directory.CreateDirectory(Path.Combine(Out("run"), "metrics.jsonl"));
        var (code, output, err) = CliRunner.Run(Tiny("--steps", "2", "--out", Out("run"), "--overwrite"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("cannot write metrics.jsonl in run folder"));
            Assert.That(output, Is.Empty);
        });
    }

    [Test]
    public void AReadOnlyRunFolderIsOneLine()
    {
        Directory.CreateDirectory(Out("locked"));
        File.SetAttributes(Out("locked"), FileAttributes.ReadOnly);
        try { File.WriteAllText(Path.Combine(Out("locked"), "probe"), ""); Assert.Ignore("this user can write into read-only folders (root)"); }
        catch (UnauthorizedAccessException) { }
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--out", Path.Combine(Out("locked"), "run")));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("cannot create run folder"));
        });
    }

    [Test]
    public void ARunRefusedBeforeItsFirstStepLeavesNoFolder()
    {
        // Too small for the batch: found after the folder was checked, before it is created.
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", _corpus, "--batch", "500", "--out", Out("run"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("fewer than the 500 pairs of one step").And.Contain("lower --batch to at most"));
            Assert.That(Directory.Exists(Out("run")), Is.False);
        });
    }

    [Test]
    public void TheMemoryGuardRefusesARunThatCannotFit()
    {
        long? available = BertNative.Cpu.HostMemory.AvailableBytes();
        var needed = BertNative.Model.MemoryEstimate.For(BertNative.Model.BertConfig.Large(20_256), 512, 64).TotalBytes;
        if (available is null || needed < available) Assert.Ignore($"this machine has {available} bytes free, enough for BERT-large at batch 512");
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--model", "large", "--data", TestData.WikiTextDir, "--out", Out("run"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("needs about").And.Contain("of host memory").And.Contain("is available").And.Contain("lower --batch"));
            Assert.That(Directory.Exists(Out("run")), Is.False);
        });
    }

    [Test]
    public void MemoryEstimateIsPrintedWithTheDataLine()
    {
        var (code, _, err) = CliRunner.Run(Tiny("--steps", "1", "--out", Out("run")));
        Assert.That(code, Is.Zero);
        Assert.That(err.Split('\n').Single(l => l.StartsWith("data:")), Does.Contain("memory:").And.Contain("available"));
    }

    private static readonly object[] BadCorpora =
    [
        new object[] { "nul.txt", "a . b . c\0", "is not a text file" },
        new object[] { "flat.txt", "no sentence separators here\nnor here\n", "has no paragraphs" },
        new object[] { "single.txt", " one sentence only . \n another lone one . \n", "gives no sentence pairs" },
    ];

    [TestCaseSource(nameof(BadCorpora))]
    public void AMalformedCorpusIsOneLine(string name, string content, string message)
    {
        string path = Out(name);
        File.WriteAllText(path, content);
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", path, "--batch", "2", "--out", Out("run"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain(message));
            Assert.That(Directory.Exists(Out("run")), Is.False);
        });
    }

    [Test]
    public void AnEmptyCorpusFolderAndAnEmptyWikiTextAreOneLine()
    {
        Directory.CreateDirectory(Out("texts"));
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", Out("texts"), "--out", Out("run"));
        CliRunner.AssertError(code, err, 1, "holds no .txt files");

        Directory.CreateDirectory(Out("wiki"));
        File.WriteAllText(Path.Combine(Out("wiki"), "wiki.train.tokens"), "");
        (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--data", Out("wiki"), "--out", Out("run"));
        CliRunner.AssertError(code, err, 1, "has no paragraphs");
        Assert.That(err, Does.Not.Contain("--max-len"));
    }

    [Test]
    public void AFolderCorpusReadsItsTxtFiles()
    {
        Directory.CreateDirectory(Out("texts"));
        File.Copy(_corpus, Path.Combine(Out("texts"), "a.txt"));
        File.WriteAllText(Path.Combine(Out("texts"), "ignored.md"), "# not read");
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", Out("texts"), "--min-freq", "1", "--max-len", "16", "--batch", "32",
            "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--steps", "1", "--out", Out("run"));
        Assert.That(code, Is.Zero, err);
        Assert.That(File.ReadAllLines(Path.Combine(Out("run"), "checkpoint", "vocab.txt")), Has.Length.EqualTo(36), "5 reserved, the final '.', w0..w29 at --min-freq 1");
    }

    [Test]
    public void ResumeRefusesAnotherShapeOtherDataAndAMissingCheckpoint()
    {
        Assert.That(CliRunner.Run(Tiny("--steps", "2", "--out", Out("run"))).Code, Is.Zero);
        var (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("run"), "--steps", "4", "--hidden", "32", "--device", "cpu");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("--hidden 32 differs from the resumed run's 16"));
        });

        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("run"), "--steps", "2", "--device", "cpu");
        CliRunner.AssertError(code, err, 1, "--steps is the total");

        File.AppendAllText(_corpus, " w1 w2 w3 . w4 w5 w6 . \n");
        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("run"), "--steps", "4", "--device", "cpu");
        CliRunner.AssertError(code, err, 1, "the data differs");

        Directory.CreateDirectory(Out("empty"));
        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("empty"), "--device", "cpu");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain("no checkpoint/"));
        });
        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("run"), "--out", Out("other"));
        CliRunner.AssertError(code, err, 2, "drop --out");
    }

    [Test]
    public void AWeightOnlyCheckpointStillEncodesButCannotBeResumed()
    {
        var config = BertNative.Tests.Model.TinyBert.Config();
        BertNative.Model.Checkpoints.Checkpoint.Save(Path.Combine(Out("old"), "checkpoint"), config, BertNative.Tests.Model.TinyBert.Examples.Vocabulary,
            BertNative.Tests.Model.TinyBert.Init(config));
        var (code, output, err) = CliRunner.Run("encode", "--checkpoint", Path.Combine(Out("old"), "checkpoint"), "--device", "cpu", "--text", "the zzyzxq game");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Zero, err);
            Assert.That(output, Does.Contain("tokens: <cls> the <unk>(zzyzxq) game <sep>"));
            Assert.That(err, Does.Contain($"checkpoint: {Path.Combine(Out("old"), "checkpoint")}").And.Contain("fed as <unk>: zzyzxq"));
        });
        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("old"), "--device", "cpu");
        CliRunner.AssertError(code, err, 1, "holds weights only");
    }

    [TestCase(new[] { "encode", "--text", "" }, "--text is empty")]
    [TestCase(new[] { "encode", "--text", "a crane", "--pair", " " }, "--pair is empty")]
    [TestCase(new[] { "evaluate" }, "evaluate needs --checkpoint")]
    [TestCase(new[] { "evaluate", "--checkpoint", "x", "--split", "train" }, "--split must be one of valid, test")]
    [TestCase(new[] { "pretrain", "--schedule", "cosine" }, "--schedule must be one of constant, linear")]
    [TestCase(new[] { "pretrain", "--schedule", "linear", "--warmup", "50" }, "--warmup 50 leaves no step to decay")]
    [TestCase(new[] { "pretrain", "--clip", "-1" }, "--clip -1 is out of range")]
    [TestCase(new[] { "pretrain", "--weight-decay", "2" }, "--weight-decay 2 is out of range")]
    [TestCase(new[] { "pretrain", "--min-freq", "0" }, "--min-freq 0 is out of range")]
    [TestCase(new[] { "pretrain", "--corpus", "x", "--eval-every", "5" }, "--eval-every with --corpus needs --eval-corpus")]
    public void BadCommandLinesExitWithTwo(string[] args, string message)
    {
        var (code, _, err) = CliRunner.Run(args);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(CliRunner.ErrorLine(err), Does.Contain(message));
        });
    }
}
