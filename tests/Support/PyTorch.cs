using System.Diagnostics;

namespace BertNative.Tests.Support;

/// <summary>Runs our PyTorch reference scripts (tests/parity) with Debian's python3, which has python3-torch.</summary>
public static class PyTorch
{
    private static readonly Lazy<string?> Python = new(Find);

    /// <summary>The interpreter, or an Inconclusive result (a failure on CI, which installs python3-torch).</summary>
    public static string Interpreter
    {
        get
        {
            if (Python.Value is { } python) return python;
            const string why = "python3 with torch not found (apt-get install python3-torch)";
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why + " — .ci/install-deps.sh should have installed it");
            Assert.Inconclusive(why);
            return "";
        }
    }

    public static string Script(string name) => Path.Combine(TestData.RepositoryRoot!, "tests", "parity", name);

    /// <summary>Runs a script and returns its stdout; a non-zero exit fails the test with stderr.</summary>
    public static string Run(string script, params string[] args)
    {
        var info = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script(script));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) Assert.Fail($"{script} exited {process.ExitCode}: {stderr.Result}");
        return stdout;
    }

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true });
                if (p == null) continue;
                p.WaitForExit(60_000);
                if (p.HasExited && p.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }
}
