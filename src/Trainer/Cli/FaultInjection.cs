using System.Diagnostics;

namespace BertNative.Trainer.Cli;

/// <summary>
/// For the tests of a multi-process run: BERTNATIVE_FAULT=kill@RANK:STEP makes that rank kill itself (SIGKILL)
/// after that step, hang@RANK:STEP makes it hang, stop@RANK:STEP presses Ctrl+C there, so the other ranks' reaction
/// can be checked. Unset, nothing happens.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "BERTNATIVE_FAULT";

    public static void AfterStep(int rank, int step, InterruptAfterStep interrupt)
    {
        string? fault = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(fault)) return;
        var parts = fault.Split('@', ':');
        if (parts.Length != 3 || !int.TryParse(parts[1], out int r) || !int.TryParse(parts[2], out int s) || r != rank || s != step) return;
        if (parts[0] == "kill") Process.GetCurrentProcess().Kill();
        if (parts[0] == "hang") Thread.Sleep(Timeout.Infinite);
        if (parts[0] == "stop") interrupt.Request();
    }
}
