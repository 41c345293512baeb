using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Model.Hf;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`import`: a Hugging Face BERT (a model folder or an ONNX export of one) as a BertNative checkpoint.</summary>
public sealed class ImportCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "import";
    public override string Summary => "turn a Hugging Face BERT (model folder or .onnx file) into a checkpoint every command takes";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("from", "PATH", null, "a Hugging Face model folder (config.json, model.safetensors, vocab.txt) or an .onnx file of one (required)"),
        OptionSpec.Value("out", "DIR", null, "the checkpoint folder to write (required)"),
        OptionSpec.Value("vocab", "FILE", null, "the model's vocab.txt when it is not beside the model"),
        OptionSpec.Value("seed", "N", "1", "seed for the heads an encoder-only model lacks (initialised afresh)"),
    ];

    public override int Run(ParsedOptions o)
    {
        string from = o.String("from") ?? throw new InvalidOptionsException("import needs --from PATH (a Hugging Face model folder or an .onnx file)");
        string output = o.String("out") ?? throw new InvalidOptionsException("import needs --out DIR, the checkpoint folder to write");
        var source = HfSource.Read(from, o.String("vocab"));
        var model = HfImport.Run(source, o.Seed() ?? 1);
        Checkpoint.Save(output, model.Config, model.Vocabulary, model.Parameters);
        var c = model.Config;
        stderr.WriteLine($"read {source.Description}: {source.Tensors.Names.Count()} tensors, all used");
        if (model.Report.FreshParts.Count > 0)
            stderr.WriteLine($"note: the source has no {string.Join(", ", model.Report.FreshParts.Select(Describe))}: initialised afresh (random until trained; the encoder, which encode and embed use, is complete)");
        stdout.WriteLine($"wrote {Path.GetFullPath(output)}: {c.Layers} layers, {c.Hidden} hidden, {c.Heads} heads, {c.FfnHidden} FFN ({c.FfnActivation.ToString().ToLowerInvariant()}), " +
            $"vocab {c.VocabSize} (WordPiece, {(model.Vocabulary.Tokenizer.LowerCase ? "uncased" : "cased")}), {c.MaxPosition} positions, LayerNorm eps {c.LayerNormEpsilon:G3}, " +
            $"decoder {(c.TieDecoder ? "tied to the word embeddings" : "untied")}");
        return CliApp.ExitOk;
    }

    private static string Describe(HfPart part) => part switch
    {
        HfPart.Pooler => "pooler (hidden.0)",
        HfPart.MaskedLm => "masked-LM head",
        HfPart.NextSentence => "next-sentence head",
        _ => part.ToString(),
    };
}
