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
        // Hugging Face's BERT architecture; the four together with --activation gelu make BertForPreTraining's.
        OptionSpec.Flag("embedding-norm", "LayerNorm, then dropout, after the embedding sum, as Hugging Face's BERT (default: off, as the book)"),
        OptionSpec.Flag("tie-decoder", "the MLM decoder uses the token embedding table as its weight, as Hugging Face's BERT (default: its own weight)"),
        OptionSpec.Value("mlm-activation", "relu|gelu", null, "activation of the MLM head's transform (default: relu, as the book; Hugging Face's BERT: gelu)"),
        OptionSpec.Value("layer-norm-eps", "X", null, "epsilon of every LayerNorm (default: 1e-5; Hugging Face's BERT: 1e-12)"),
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
            FfnActivation = ReadActivation(o, "activation") ?? c.FfnActivation,
            EmbeddingLayerNorm = o.Flag("embedding-norm") || c.EmbeddingLayerNorm,
            TieDecoder = o.Flag("tie-decoder") || c.TieDecoder,
            MlmActivation = ReadActivation(o, "mlm-activation") ?? c.MlmActivation,
            LayerNormEpsilon = o.OptionalFloat("layer-norm-eps", 1e-30f, 1f) ?? c.LayerNormEpsilon,
        };
        return c.ValidatedOptions(maxLen);
    }

    private static Activation? ReadActivation(ParsedOptions o, string name) =>
        o.String(name) is null ? null : o.Choice(name, "relu", "gelu") == "gelu" ? Activation.Gelu : Activation.Relu;
}
