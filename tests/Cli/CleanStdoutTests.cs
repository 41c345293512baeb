using System.Diagnostics;
using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>--json is exactly one JSON object line on stdout in a pipe and on a pseudo-terminal (`script` gives the
/// trainer one, as mpirun gives its ranks): no terminal control codes. On a terminal, progress redraws in place.</summary>
[NonParallelizable]
public class CleanStdoutTests
{
    [Test]
    public void JsonInAPipeIsOneObjectLine()
    {
        using var trainer = new TrainerProcess("data", "--data", TestData.WikiTextDir, "--json", "--seed", "1");
        Assert.That(trainer.WaitForExit(), Is.Zero, trainer.Err);
        AssertOneJsonLine(trainer.Out);
    }

    [Test]
    public void JsonOnAPseudoTerminalHasNoControlCodes()
    {
        if (ToolPath.Find("script") is not { } script) { Assert.Ignore("`script` (util-linux) not installed"); return; }
        string command = Quote([TrainerProcess.Dotnet, TrainerProcess.Dll, "data", "--data", TestData.WikiTextDir, "--json", "--seed", "1"]) + " 2>/dev/null";
        var start = new ProcessStartInfo(script, ["-qec", command, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, output);
        AssertOneJsonLine(output.Replace("\r", ""));
    }

    [Test]
    public void ProgressRedrawsInPlaceOnATerminalOnly()
    {
        if (ToolPath.Find("script") is not { } script) { Assert.Ignore("`script` (util-linux) not installed"); return; }
        string dir = Directory.CreateTempSubdirectory("bn-pty-").FullName;
        try
        {
            string corpus = Path.Combine(dir, "corpus.txt");
            File.WriteAllLines(corpus, Enumerable.Range(0, 40).Select(i => $" w{i % 7} w{i % 5} w{i % 3} . w{i % 11} w{i % 2} . "));
            string[] args = [TrainerProcess.Dotnet, TrainerProcess.Dll, "pretrain", "--device", "cpu", "--corpus", corpus, "--min-freq", "1",
                "--max-len", "16", "--batch", "8", "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--steps", "3",
                "--out", Path.Combine(dir, "run")];
            string[] embed = [TrainerProcess.Dotnet, TrainerProcess.Dll, "embed", "--device", "cpu", "--checkpoint", Path.Combine(dir, "run", "checkpoint"),
                "--input", corpus, "--batch", "4", "--out", Path.Combine(dir, "e.npy")];
            string command = Quote(args) + " && " + Quote(embed);
            var start = new ProcessStartInfo(script, ["-qec", command, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardInput = true };
            using var process = Process.Start(start)!;
            string terminal = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, terminal);
            Assert.That(terminal, Does.Contain("\r[###"), "the training progress is redrawn with a carriage return on a terminal");
            Assert.That(terminal, Does.Match(@"\r\[[#-]+\] \d+/40 sentences"), "so is embed's");

            Directory.Delete(Path.Combine(dir, "run"), recursive: true);
            using var piped = new TrainerProcess(args[2..]);
            Assert.That(piped.WaitForExit(), Is.Zero, piped.Err);
            Assert.That(piped.Err, Does.Contain("3/3").And.Not.Contain("\r"), "in a pipe, plain lines");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Quote(IEnumerable<string> args) => string.Join(' ', args.Select(a => "'" + a.Replace("'", "'\\''") + "'"));

    [Test]
    public void OnlyTheProcessStandardStreamsCanBeTerminals() =>
        Assert.That(BertNative.Contract.StandardStreams.IsTerminal(new StringWriter()), Is.False);

    private static void AssertOneJsonLine(string stdout)
    {
        Assert.That(stdout, Does.Not.Contain("\u001b"), "no terminal control codes");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stdout);
        Assert.DoesNotThrow(() => System.Text.Json.JsonDocument.Parse(lines[0]));
    }
}
