using System.Diagnostics;
using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// Draws "42% 1.9/4.5 MB 1.2 MB/s" for a download. On a console the line is redrawn in place a few
/// times a second; elsewhere (a log, a test) a plain line is written every couple of seconds.
/// </summary>
internal sealed class DownloadProgress(TextWriter output, long? totalBytes)
{
    readonly bool _redraw = StandardStreams.IsTerminal(output);
    readonly Stopwatch _clock = Stopwatch.StartNew();
    TimeSpan _lastDrawn = TimeSpan.Zero;
    int _lastWidth;

    TimeSpan Interval => _redraw ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(2);

    public void Report(long receivedBytes)
    {
        if (_clock.Elapsed - _lastDrawn < Interval) return;
        Draw(receivedBytes);
    }

    /// <summary>Draws the last state and ends the line; called once, whether the download finished or failed.</summary>
    public void Finish(long receivedBytes)
    {
        Draw(receivedBytes);
        if (_redraw) output.WriteLine();
    }

    void Draw(long receivedBytes)
    {
        _lastDrawn = _clock.Elapsed;
        string line = Describe(receivedBytes);
        if (_redraw)
        {
            // Pad over the previous, possibly longer, line before the carriage return moves back.
            output.Write("\r" + line.PadRight(_lastWidth));
            _lastWidth = line.Length;
        }
        else
        {
            output.WriteLine(line);
        }
        output.Flush();
    }

    string Describe(long receivedBytes)
    {
        const double mb = 1 << 20;
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        string speed = $"{receivedBytes / mb / seconds:0.0} MB/s";
        return totalBytes is > 0 and { } total
            ? $"  {100 * receivedBytes / total,3}% {receivedBytes / mb:0.0}/{total / mb:0.0} MB {speed}"
            : $"  {receivedBytes / mb:0.0} MB {speed}";
    }
}
