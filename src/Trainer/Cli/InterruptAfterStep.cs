using System.Runtime.InteropServices;

namespace BertNative.Trainer.Cli;

/// <summary>The first stop signal (Ctrl+C's SIGINT, SIGTERM from timeout/kill/Slurm/Kubernetes/docker stop, SIGHUP when the
/// terminal goes away) asks training to stop after the current step, so the checkpoint is saved; a second one ends the
/// process at once (the last saved checkpoint stays intact: a save swaps a complete folder in).</summary>
public sealed class InterruptAfterStep : IDisposable
{
    /// <summary>Signal numbers as Linux numbers them: the exit code of a stopped run is 128 + the signal.</summary>
    public const int SigHup = 1, SigInt = 2, SigTerm = 15;

    private readonly CancellationTokenSource _stop = new();
    private readonly TextWriter _log;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    public InterruptAfterStep(TextWriter log)
    {
        _log = log;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            try { _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal)); }
            catch (PlatformNotSupportedException) { } // SIGHUP and SIGTERM on Windows: Ctrl+C still works
        }
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>The signal that asked to stop (SIGINT for <see cref="Request"/>), or 0.</summary>
    public int Signal => _signal;

    /// <summary>128 + the signal: the exit code a shell gives a process the signal ended.</summary>
    public int ExitCode => 128 + (_signal == 0 ? SigInt : _signal);

    public string SignalName => _signal switch { SigHup => "SIGHUP", SigTerm => "SIGTERM", _ => "SIGINT" };

    private void OnSignal(PosixSignalContext context)
    {
        if (_stop.IsCancellationRequested) return; // the second signal: let it end the process
        context.Cancel = true;
        Request(context.Signal switch { PosixSignal.SIGTERM => SigTerm, PosixSignal.SIGHUP => SigHup, _ => SigInt });
    }

    /// <summary>What the first signal does (also the tests' way to interrupt one rank).</summary>
    public void Request(int signal = SigInt)
    {
        if (Interlocked.CompareExchange(ref _signal, signal, 0) != 0) return;
        _stop.Cancel();
        if (signal != SigInt) return; // a batch system's stop: the run's last line says what happened
        _log.WriteLine();
        _log.WriteLine("stopping after this step; the checkpoint will be saved (Ctrl+C again to quit now)");
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stop.Dispose();
    }
}
