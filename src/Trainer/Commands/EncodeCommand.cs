using System.Globalization;
using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Inference;
using BertNative.Model.Tokenization;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`encode`: the book's demo — BERT representations of a sentence or a sentence pair from a checkpoint.</summary>
public sealed class EncodeCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "encode";
    public override string Summary => "encode a sentence or a pair with a pretrained checkpoint (inference mode)";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        CheckpointOption.Spec,
        OptionSpec.Value("text", "TEXT", "a crane is flying", "first sentence (the checkpoint's tokenizer: WordPiece for imported models, else lower-cased words split on spaces)"),
        OptionSpec.Value("pair", "TEXT", null, "optional second sentence, e.g. \"he just left\""),
        OptionSpec.Value("token", "N", "2", "which row to show besides <cls> (2 is \"crane\" in the book's examples)"),
        OptionSpec.Value("values", "N", "3", "how many leading values of each row to print"),
        DeviceOptions.Device, DeviceOptions.Threads, DeviceOptions.Verbose,
        OptionSpec.Flag("json", "print the tokens and the whole [T, H] output as JSON"),
    ];

    public override int Run(ParsedOptions o)
    {
        string text = o.String("text")!, pair = o.String("pair") ?? "";
        if (text.Trim().Length == 0) throw new InvalidOptionsException("--text is empty; give a sentence, e.g. --text \"a crane is flying\"");
        if (o.Has("pair") && pair.Trim().Length == 0) throw new InvalidOptionsException("--pair is empty; give a second sentence or drop --pair");
        string checkpoint = CheckpointOption.Resolve(o);
        var (config, vocabulary, parameters) = Checkpoint.Load(checkpoint, stderr.WriteLine);
        var (backend, deviceLine) = DeviceOptions.Create(o);
        using var _ = backend;
        stderr.WriteLine(deviceLine);
        if (DeviceOptions.VerboseLine(o) is { } verbose) stderr.WriteLine(verbose);
        if (DeviceOptions.ThreadsWarning(o) is { } threadsWarning) stderr.WriteLine(threadsWarning);
        stderr.WriteLine($"checkpoint: {Path.GetFullPath(Checkpoint.Locate(checkpoint))}");
        var input = TextTokenizer.For(vocabulary).Encode(text, o.Has("pair") ? pair : null, config.MaxPosition);
        int unknown = vocabulary.Special.Unk;
        var unknownWords = Enumerable.Range(0, input.Length).Where(t => input.Ids[t] == unknown && input.Tokens[t] != vocabulary.SpecialNames.Unk).Select(t => input.Tokens[t]).Distinct().ToList();
        if (unknownWords.Count > 0)
            stderr.WriteLine($"note: not in the checkpoint's vocabulary, fed as {vocabulary.SpecialNames.Unk}: {string.Join(' ', unknownWords)}");
        if (input.Truncated) stderr.WriteLine($"note: the text was cut to the model's {config.MaxPosition} positions");
        var encoded = TextEncoder.Encode(backend, config, vocabulary, parameters, input);
        int token = o.Int("token", 0, encoded.Length - 1), shown = o.Int("values", 1, config.Hidden);

        if (o.Flag("json"))
        {
            stdout.WriteLine(JsonFormat.Line(new { encoded.Tokens, encoded.Ids, encoded.Segments, Shape = new[] { 1, encoded.Length, config.Hidden }, encoded.Output }));
            return CliApp.ExitOk;
        }
        // What the model saw: a word missing from the book's vocabulary is shown as <unk>, the word typed after it in brackets.
        string Shown(int t) => encoded.Ids[t] == unknown && encoded.Tokens[t] != vocabulary.SpecialNames.Unk ? $"{vocabulary.SpecialNames.Unk}({encoded.Tokens[t]})" : encoded.Tokens[t];
        stdout.WriteLine($"tokens: {string.Join(' ', Enumerable.Range(0, encoded.Length).Select(Shown))}");
        stdout.WriteLine($"encoded: shape (1, {encoded.Length}, {config.Hidden})");
        stdout.WriteLine($"{vocabulary.SpecialNames.Cls} row: {Leading(encoded.Row(0), shown)}");
        stdout.WriteLine($"row {token} ({Shown(token)}): {Leading(encoded.Row(token), shown)}");
        float spread = encoded.SpreadAcrossTokens();
        if (spread < CollapsedSpread)
            stderr.WriteLine($"note: every token's row is within {spread:G2} of the {vocabulary.SpecialNames.Cls} row: this checkpoint's representations have collapsed " +
                "(the book's 50 steps at lr 0.01 learn little more than word frequencies); pretrain with a lower --lr for contextual ones (0.001 gives them in the same 50 steps)");
        return CliApp.ExitOk;
    }

    /// <summary>Below this largest difference from the &lt;cls&gt; row, encode says the representations have collapsed.</summary>
    private const float CollapsedSpread = 1e-3f;

    private static string Leading(ReadOnlySpan<float> row, int n) =>
        "[" + string.Join(", ", row[..n].ToArray().Select(v => v.ToString("F4", CultureInfo.InvariantCulture))) + (n < row.Length ? ", ...]" : "]");
}
