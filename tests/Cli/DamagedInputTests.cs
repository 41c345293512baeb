using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>Every command against damaged inputs and unusable output paths: one error line, no stack trace, exit code 1,
/// and nothing that existed before is lost or changed.</summary>
[NonParallelizable]
public class DamagedInputTests
{
    private string _dir = "", _corpus = "", _run = "";

    private static readonly string[] CheckpointFiles =
        ["config.json", "vocab.txt", "model.safetensors", "training_state.json", "adam_m.safetensors", "adam_v.safetensors", "checksums.sha256"];

    // What each command reads of a checkpoint: damage there must be refused; elsewhere it may run.
    private static readonly Dictionary<string, string[]> Reads = new()
    {
        ["encode"] = ["config.json", "vocab.txt", "model.safetensors", "checksums.sha256"],
        ["export"] = ["config.json", "vocab.txt", "model.safetensors", "checksums.sha256"],
        ["evaluate"] = ["config.json", "vocab.txt", "model.safetensors", "checksums.sha256", "training_state.json"],
        ["resume"] = CheckpointFiles,
    };

    [OneTimeSetUp]
    public void TrainOneRun()
    {
        _dir = Directory.CreateTempSubdirectory("bn-damaged-").FullName;
        _corpus = Path.Combine(_dir, "corpus.txt");
        var rng = new BertNative.Model.Data.SeededRandom(3);
        File.WriteAllLines(_corpus, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(30)}")))) + " . "));
        _run = Path.Combine(_dir, "good");
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
            "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", "--steps", "2", "--out", _run);
        Assert.That(code, Is.Zero, err);
    }

    [OneTimeTearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Damages = ["truncated", "zeroed", "folder", "reordered", "emptied"];

    private static IEnumerable<TestCaseData> Cases() =>
        from file in CheckpointFiles
        from damage in Damages
        where damage != "reordered" || file is "vocab.txt" or "config.json"
        select new TestCaseData(file, damage).SetName($"{file} {damage}");

    [TestCaseSource(nameof(Cases))]
    public void EveryCommandRefusesADamagedCheckpointFileWithOneLine(string file, string damage)
    {
        string run = CopyRun($"{file}-{damage}");
        Damage(Path.Combine(run, "checkpoint", file), damage);
        AssertEveryCommand(run, file, damage);
    }

    [TestCase("vocab.txt", "emptied"), TestCase("vocab.txt", "reserved-swapped"), TestCase("config.json", "zeroed"), TestCase("model.safetensors", "truncated"),
     TestCase("adam_m.safetensors", "zeroed")]
    public void ACheckpointWithoutChecksumsIsStillRefusedWhenItsFilesAreDamaged(string file, string damage)
    {
        string run = CopyRun($"old-{file}-{damage}");
        File.Delete(Path.Combine(run, "checkpoint", "checksums.sha256"));
        Damage(Path.Combine(run, "checkpoint", file), damage);
        AssertEveryCommand(run, file, damage);
    }

    [Test]
    public void ACheckpointWithoutChecksumsLoadsWithAWarning()
    {
        string run = CopyRun("old");
        File.Delete(Path.Combine(run, "checkpoint", "checksums.sha256"));
        var (code, _, err) = CliRunner.Run("encode", "--checkpoint", Path.Combine(run, "checkpoint"), "--device", "cpu", "--text", "w1 w2");
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Contain("warning:").And.Contain("no checksums.sha256").And.Contain("not verified"));
    }

    [Test]
    public void NonFiniteWeightsAreRefusedEvenWithMatchingChecksums()
    {
        string run = CopyRun("nan");
        string checkpoint = Path.Combine(run, "checkpoint");
        var (config, vocabulary, parameters) = BertNative.Model.Checkpoints.Checkpoint.Load(checkpoint);
        parameters[7] = float.NaN;
        BertNative.Model.Checkpoints.Checkpoint.Save(checkpoint, config, vocabulary, parameters); // checksums written for the NaN
        var (code, _, err) = CliRunner.Run("encode", "--checkpoint", checkpoint, "--device", "cpu", "--text", "w1 w2");
        CliRunner.AssertError(code, err, 1, "holds a non-finite value");
    }

    private void AssertEveryCommand(string run, string file, string damage)
    {
        string checkpoint = Path.Combine(run, "checkpoint");
        var before = Snapshot(run);
        var commands = new (string Name, string[] Args)[]
        {
            ("encode", ["encode", "--checkpoint", checkpoint, "--device", "cpu", "--text", "w1 w2"]),
            ("evaluate", ["evaluate", "--checkpoint", checkpoint, "--device", "cpu", "--corpus", _corpus]),
            ("export", ["export", "--checkpoint", checkpoint, "--out", Path.Combine(_dir, $"{Path.GetFileName(run)}.onnx")]),
            ("resume", ["pretrain", "--resume", run, "--steps", "3", "--device", "cpu"]),
        };
        Assert.Multiple(() =>
        {
            foreach (var (name, args) in commands)
            {
                var (code, _, err) = CliRunner.Run(args);
                string what = $"{name} with {file} {damage}";
                Assert.That(err, Does.Not.Contain("   at ").And.Not.Contain("Exception"), $"{what}: no stack trace");
                if (Reads[name].Contains(file))
                {
                    Assert.That(code, Is.EqualTo(1), $"{what}: {err}");
                    var errors = err.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
                    Assert.That(errors, Has.Count.EqualTo(1), $"{what}: one error line: {err}");
                    Assert.That(errors.FirstOrDefault() ?? "", Does.Contain(file.Split('.')[0]), $"{what}: the line names the file");
                }
                else Assert.That(code, Is.EqualTo(0).Or.EqualTo(1), $"{what}: {err}");
                if (name != "resume" || code != 0)
                    Assert.That(Snapshot(run), Is.EqualTo(before), $"{what}: the run folder is unchanged");
            }
        });
    }

    [TestCase("under-a-file"), TestCase("a-folder"), TestCase("missing-folder"), TestCase("full-disk")]
    public void UnusableOutputPathsAreOneLineAndLoseNothing(string kind)
    {
        // Root writes into read-only folders, so read-only is not a case here (RunRobustnessTests covers it for other users).
        string root = Path.Combine(_dir, "out-" + kind);
        Directory.CreateDirectory(root);
        string blocker = Path.Combine(root, "afile");
        File.WriteAllText(blocker, "mine");
        if (kind == "full-disk" && !MountTinyTmpfs(root)) Assert.Ignore("cannot mount a tmpfs here (needs root and mount rights)");
        try
        {
            if (kind == "full-disk") File.WriteAllText(blocker, "mine");
            string target = kind switch
            {
                "under-a-file" => Path.Combine(blocker, "x"),
                "a-folder" => root,
                "missing-folder" => Path.Combine(root, "no", "such", "x"),
                _ => Path.Combine(root, "x"),
            };
            var before = Snapshot(root);
            var runs = new List<(string Name, string[] Args)>
            {
                ("export", ["export", "--checkpoint", Path.Combine(_run, "checkpoint"), "--out", target]),
                ("data", ["data", "--data", TestData.WikiTextDir, "--export-batches", target, "--batch", "2", "--batches-count", "1", "--seed", "1"]),
            };
            if (kind == "under-a-file")
                runs.Add(("pretrain", ["pretrain", "--device", "cpu", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
                    "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--steps", "1", "--out", target]));
            Assert.Multiple(() =>
            {
                foreach (var (name, args) in runs)
                {
                    var (code, _, err) = CliRunner.Run(args);
                    Assert.That(code, Is.EqualTo(1), $"{name} to {kind}: {err}");
                    Assert.That(err.Split('\n').Count(l => l.StartsWith("error:", StringComparison.Ordinal)), Is.EqualTo(1), $"{name} to {kind}: {err}");
                    Assert.That(err, Does.Not.Contain("   at "), $"{name} to {kind}: no stack trace");
                    Assert.That(Snapshot(root), Is.EqualTo(before), $"{name} to {kind}: nothing lost, no partial file left");
                }
            });
        }
        finally { if (kind == "full-disk") Unmount(root); }
    }

    private string CopyRun(string name)
    {
        string copy = Path.Combine(_dir, name);
        foreach (string source in Directory.GetFiles(_run, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(copy, Path.GetRelativePath(_run, source));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target);
        }
        return copy;
    }

    private static void Damage(string path, string damage)
    {
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "zeroed": File.WriteAllBytes(path, new byte[bytes.Length]); break;
            case "emptied": File.WriteAllBytes(path, []); break;
            case "folder": File.Delete(path); Directory.CreateDirectory(path); break;
            case "reordered":
                {
                    var lines = File.ReadAllLines(path);
                    (lines[^1], lines[^2]) = (lines[^2], lines[^1]); // same bytes, another order
                    File.WriteAllLines(path, lines);
                    break;
                }
            case "reserved-swapped":
                {
                    var lines = File.ReadAllLines(path);
                    (lines[0], lines[1]) = (lines[1], lines[0]);
                    File.WriteAllLines(path, lines);
                    break;
                }
        }
    }

    /// <summary>Every file under <paramref name="dir"/> with its bytes (folders as names).</summary>
    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).ToDictionary(
            p => Path.GetRelativePath(dir, p), p => File.Exists(p) ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) : "folder");

    private static bool MountTinyTmpfs(string dir)
    {
        if (!OperatingSystem.IsLinux() || ToolPath.Find("mount") is not { } mount) return false;
        var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(mount, ["-t", "tmpfs", "-o", "size=4k", "tmpfs", dir]) { RedirectStandardError = true });
        p!.WaitForExit();
        return p.ExitCode == 0;
    }

    private static void Unmount(string dir)
    {
        if (ToolPath.Find("umount") is { } umount) System.Diagnostics.Process.Start(umount, [dir])!.WaitForExit();
    }
}
