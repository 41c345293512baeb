using BertNative.Contract;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>--checkpoint DIR, defaulting to the newest runs/*/checkpoint under the current directory.</summary>
public static class CheckpointOption
{
    private const string NewestDefault = "the newest runs/*/checkpoint";

    public static readonly OptionSpec Spec = OptionSpec.Value("checkpoint", "DIR", NewestDefault, "checkpoint folder written by pretrain or import");

    public static string Resolve(ParsedOptions o) =>
        o.String("checkpoint") is { } given && given != NewestDefault ? given : Newest();

    private static string Newest()
    {
        var newest = Directory.Exists("runs")
            ? Directory.GetDirectories("runs").Select(d => Path.Combine(d, "checkpoint")).Where(Directory.Exists).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return newest ?? throw new BertNativeException("no checkpoint found under runs/; run 'pretrain' first or pass --checkpoint DIR");
    }
}
