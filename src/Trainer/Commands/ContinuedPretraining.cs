using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>pretrain --init DIR: the starting checkpoint (weights, shape, vocabulary), with --dropout the only shape option allowed beside it.</summary>
public static class ContinuedPretraining
{
    public sealed record Start(BertConfig Config, Vocabulary Vocabulary, float[] Parameters);

    /// <param name="resuming">A resumed run's saved options name every shape option (with its default); only a new run is checked.</param>
    public static Start? Load(ParsedOptions o, int maxLen, bool resuming)
    {
        if (o.String(TrainingOptions.Init.Name) is not { } folder) return null;
        List<string> shaping = resuming ? [] : [.. ModelOptions.All.Where(spec => spec.Name != "dropout" && o.Has(spec.Name)).Select(spec => "--" + spec.Name)];
        if (shaping.Count > 0) throw new InvalidOptionsException($"--init takes the model's shape from its checkpoint; drop {string.Join(", ", shaping)}");
        var (config, vocabulary, parameters) = Checkpoint.Load(folder);
        config = config with { Dropout = o.OptionalFloat("dropout", 0f, 0.99f) ?? config.Dropout };
        if (maxLen > config.MaxPosition)
            throw new InvalidOptionsException($"--max-len {maxLen} exceeds the positional table of {config.MaxPosition} rows of the --init checkpoint; lower --max-len");
        return new Start(config, vocabulary, parameters);
    }
}
