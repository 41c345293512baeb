using System.Diagnostics;
using System.Globalization;
using BertNative.Contract;

namespace BertNative.Trainer.Cli;

/// <summary>A progress bar over items (sentences): redrawn in place on a terminal, a line every 10% otherwise.</summary>
public sealed class CountProgress(TextWriter output, int total, string unit)
{
    private readonly bool _interactive = StandardStreams.IsTerminal(output);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastTenth = -1;

    public void Report(int done)
    {
        const int width = 30;
        int filled = (int)((long)done * width / total);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', width - filled)}] {done}/{total} {unit}  {done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9):F0} {unit}/s");
        if (_interactive) output.Write("\r" + line + (done == total ? Environment.NewLine : ""));
        else if ((int)((long)done * 10 / total) != _lastTenth || done == total)
        {
            output.WriteLine(line);
            _lastTenth = (int)((long)done * 10 / total);
        }
    }
}
