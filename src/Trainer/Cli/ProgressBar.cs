using System.Diagnostics;
using System.Globalization;
using BertNative.Contract;
using BertNative.Model.Training;

namespace BertNative.Trainer.Cli;

/// <summary>A progress bar with live losses: redrawn in place on a terminal, a line every 10% otherwise.</summary>
public sealed class ProgressBar(TextWriter output, int total)
{
    private readonly bool _interactive = StandardStreams.IsTerminal(output);
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private double _pairs, _seconds;
    private int _lastLinePercent = -1;

    public void Report(StepResult step)
    {
        _pairs += step.Pairs;
        _seconds += step.Seconds;
        int width = 30, filled = (int)((long)step.Step * width / total);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', width - filled)}] {step.Step}/{total}  mlm {step.Mlm:F3}  nsp {step.Nsp:F3}  {_pairs / _seconds:F0} pairs/s");
        if (_interactive)
        {
            if (step.Step == total || _sinceDraw.ElapsedMilliseconds > 100)
            {
                output.Write("\r" + line);
                _sinceDraw.Restart();
            }
            return;
        }
        int percent = (int)((long)step.Step * 100 / total);
        if (percent / 10 != _lastLinePercent / 10 || step.Step == total)
        {
            output.WriteLine(line);
            _lastLinePercent = percent;
        }
    }

    /// <summary>A line of its own between progress updates (an evaluation's result).</summary>
    public void Note(string line) => output.WriteLine(_interactive ? "\r" + line.PadRight(100) : line);

    public void Finish()
    {
        if (_interactive) output.WriteLine();
    }
}
