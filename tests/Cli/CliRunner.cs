using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

namespace BertNative.Tests.Cli;

/// <summary>Runs the CLI in-process with captured output, as the bertnative executable would.</summary>
public static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var app = new CliApp([new PretrainCommand(stdout, stderr), new EvaluateCommand(stdout, stderr), new EncodeCommand(stdout, stderr), new DataCommand(stdout, stderr),
            new ExportCommand(stdout, stderr), new ImportCommand(stdout, stderr), new EmbedCommand(stdout, stderr)], "pretrain");
        int code = app.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The single "error:" line of a run (fails when there is none or more than one).</summary>
    public static string ErrorLine(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.That(lines, Has.Count.EqualTo(1), stderr);
        Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
        return lines[0];
    }

    /// <summary>Asserts the exit code and that the one error line says <paramref name="message"/>.</summary>
    public static void AssertError(int code, string stderr, int expectedCode, string message)
    {
        Assert.That(code, Is.EqualTo(expectedCode), stderr);
        Assert.That(ErrorLine(stderr), Does.Contain(message));
    }
}
