using BertNative.Contract;
using BertNative.Model;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>The --model preset and the per-field overrides.</summary>
public static class ModelOptions
{
    public static readonly OptionSpec[] All =
    [
        OptionSpec.Value("model", "NAME", "book", "size preset: book (2 layers, 128 hidden), base (BERT-base), large (BERT-large)"),
        OptionSpec.Value("hidden", "N", null, "hidden size H (default: the preset's)"),
        OptionSpec.Value("ffn", "N", null, "FFN inner size F (default: the preset's)"),
        OptionSpec.Value("heads", "N", null, "attention heads; must divide --hidden (default: the preset's)"),
        OptionSpec.Value("layers", "N", null, "encoder blocks (default: the preset's)"),
        OptionSpec.Value("max-position", "N", null, "rows of the positional table (default: the preset's: 1000 book, 512 base/large)"),
        OptionSpec.Value("activation", "relu|gelu", null, "FFN activation (default: relu for book, gelu for base/large)"),
        OptionSpec.Value("dropout", "P", null, "dropout probability (default: 0.2 book, 0.1 base/large)"),
    ];

    public static BertConfig Read(ParsedOptions o, int vocabSize, int maxLen)
    {
        var c = BertConfig.Preset(o.Choice("model", BertConfig.PresetNames), vocabSize);
        c = c with
        {
            Hidden = o.OptionalInt("hidden", 1, 65536) ?? c.Hidden,
            FfnHidden = o.OptionalInt("ffn", 1, 1 << 20) ?? c.FfnHidden,
            Heads = o.OptionalInt("heads", 1, 1024) ?? c.Heads,
            Layers = o.OptionalInt("layers", 1, 1024) ?? c.Layers,
            MaxPosition = o.OptionalInt("max-position", 1, 1 << 16) ?? c.MaxPosition,
            Dropout = o.OptionalFloat("dropout", 0f, 0.99f) ?? c.Dropout,
            FfnActivation = o.String("activation") is { } a ? (o.Choice("activation", "relu", "gelu") == "gelu" ? Activation.Gelu : Activation.Relu) : c.FfnActivation,
        };
        try { c.Validate(maxLen); }
        catch (BertNativeException e) when (e is not CliException) { throw new CliException(e.Message); } // a bad option: exit 2
        return c;
    }
}
