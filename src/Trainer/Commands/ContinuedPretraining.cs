using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>pretrain --init DIR: the starting checkpoint (weights, shape, vocabulary), with --dropout the only shape option allowed beside it.</summary>
public static class ContinuedPretraining
{
    /// <param name="resuming">A resumed run's saved options name every shape option (with its default); only a new run is checked.</param>
    public static StartingCheckpoint? Load(ParsedOptions o, int maxLen, bool resuming)
    {
        if (o.String(TrainingOptions.Init.Name) is not { } folder) return null;
        List<string> shaping = resuming ? [] : [.. ModelOptions.All.Where(spec => spec.Name != "dropout" && o.Has(spec.Name)).Select(spec => "--" + spec.Name)];
        if (shaping.Count > 0) throw new InvalidOptionsException($"--init takes the model's shape from its checkpoint; drop {string.Join(", ", shaping)}");
        var start = StartingCheckpoint.Load(folder, o.OptionalFloat("dropout", 0f, 0.99f));
        if (maxLen > start.Config.MaxPosition)
            throw new InvalidOptionsException($"--max-len {maxLen} exceeds the positional table of {start.Config.MaxPosition} rows of the --init checkpoint; lower --max-len");
        return start;
    }
}
