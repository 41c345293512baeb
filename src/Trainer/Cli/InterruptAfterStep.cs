namespace BertNative.Trainer.Cli;

/// <summary>The first Ctrl+C asks training to stop after the current step (so the checkpoint is saved);
/// a second one ends the process at once.</summary>
public sealed class InterruptAfterStep : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TextWriter _log;

    public InterruptAfterStep(TextWriter log)
    {
        _log = log;
        Console.CancelKeyPress += OnCancel;
    }

    public CancellationToken Token => _stop.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_stop.IsCancellationRequested) return; // second Ctrl+C: let the process end
        e.Cancel = true;
        Request();
    }

    /// <summary>What the first Ctrl+C does (also the tests' way to interrupt one rank).</summary>
    public void Request()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _log.WriteLine();
        _log.WriteLine("stopping after this step; the checkpoint will be saved (Ctrl+C again to quit now)");
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _stop.Dispose();
    }
}
