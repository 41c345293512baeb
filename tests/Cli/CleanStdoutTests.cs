using System.Diagnostics;
using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>--json is exactly one JSON object line on stdout in a pipe and on a pseudo-terminal (`script` gives the
/// trainer one, as mpirun gives its ranks): no terminal control codes.</summary>
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
        string command = string.Join(' ', new[] { TrainerProcess.Dotnet, TrainerProcess.Dll, "data", "--data", TestData.WikiTextDir, "--json", "--seed", "1" }
            .Select(a => "'" + a.Replace("'", "'\\''") + "'")) + " 2>/dev/null";
        var start = new ProcessStartInfo(script, ["-qec", command, "/dev/null"]) { RedirectStandardOutput = true, RedirectStandardInput = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, output);
        AssertOneJsonLine(output.Replace("\r", ""));
    }

    private static void AssertOneJsonLine(string stdout)
    {
        Assert.That(stdout, Does.Not.Contain("\u001b"), "no terminal control codes");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), stdout);
        Assert.DoesNotThrow(() => System.Text.Json.JsonDocument.Parse(lines[0]));
    }
}
