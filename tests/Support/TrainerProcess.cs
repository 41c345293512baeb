using System.Diagnostics;
using System.Text;

namespace BertNative.Tests.Support;

/// <summary>The trainer as a real process (dotnet bertnative.dll), for what an in-process run cannot show: signals, locks
/// held by another process, the bytes that reach stdout.</summary>
public sealed class TrainerProcess : IDisposable
{
    public static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ToolPath.Find("dotnet") ?? "dotnet";
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "bertnative.dll");

    private readonly Process _process;
    private readonly StringBuilder _out = new(), _err = new();

    public TrainerProcess(params string[] args)
    {
        var start = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_out) if (e.Data != null) _out.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_err) if (e.Data != null) _err.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Sends a signal by number (kill -SIGNAL pid).</summary>
    public void Signal(int signal) => Process.Start("kill", [$"-{signal}", Id.ToString()])!.WaitForExit();

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test after <paramref name="seconds"/>.</summary>
    public void WaitFor(Func<bool> condition, string what, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited) Assert.Fail($"the trainer exited ({_process.ExitCode}) before {what}: {Err}");
            if (clock.Elapsed.TotalSeconds > seconds) Assert.Fail($"no {what} within {seconds} s: {Err}");
            Thread.Sleep(100);
        }
    }

    public int WaitForExit(int seconds = 120)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds))) Assert.Fail($"the trainer did not exit within {seconds} s: {Err}");
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
