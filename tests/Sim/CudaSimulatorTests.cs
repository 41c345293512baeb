using System.Diagnostics;
using BertNative.Tests.Support;

namespace BertNative.Tests.Sim;

/// <summary>
/// The CPU simulation's own C++ tests (native/sim/tests), one NUnit case per simulator case: barriers, warp
/// shuffles, events, schedules, NaN fill, launch checks, sticky faults, guard pages, peer copies. `dotnet build`
/// builds them into build/native-sim/bn_sim_tests (.ci/try-compile-sim.sh); each runs alone as
/// `bn_sim_tests --case NAME` (exit 0 = pass). Inconclusive where the simulator was not built (no cmake, C++
/// compiler or libboost-context-dev: see warning BN0002).
/// </summary>
public class CudaSimulatorTests
{
    static string? Executable =>
        TestData.RepositoryRoot is { } root && Path.Combine(root, "build", "native-sim", "bn_sim_tests") is var path && File.Exists(path)
            ? path : null;

    const string NotBuilt = "(simulator not built)";

    static IEnumerable<string> CaseNames()
    {
        if (!OperatingSystem.IsLinux() || Executable is not { } exe) return [NotBuilt];
        var (code, output) = Run(exe, "--list");
        var names = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return code == 0 && names.Length > 0 ? names : [NotBuilt];
    }

    [TestCaseSource(nameof(CaseNames))]
    public void SimulatorCase(string name)
    {
        string? exe = Executable;
        if (name == NotBuilt || exe is null)
        {
            Assert.Inconclusive("build/native-sim/bn_sim_tests not built: dotnet build builds it when cmake, a C++ compiler and libboost-context-dev are present");
            return;
        }
        var (code, output) = Run(exe, "--case", name);
        Assert.That(code, Is.Zero, output);
    }

    static (int Code, string Output) Run(string exe, params string[] arguments)
    {
        var info = new ProcessStartInfo(exe, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after 2 minutes\n{stdout}");
        }
        return (process.ExitCode, stdout + stderr.Result);
    }
}
