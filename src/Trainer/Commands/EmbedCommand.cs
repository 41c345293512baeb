using System.Diagnostics;
using System.Globalization;
using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Inference;
using BertNative.Model.Tokenization;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`embed`: one vector per sentence from any checkpoint (mean or [CLS] pooling of the encoder's rows).</summary>
public sealed class EmbedCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "embed";
    public override string Summary => "sentence embeddings (mean or [CLS] pooling) from a checkpoint, as JSON lines or .npy";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        CheckpointOption.Spec,
        OptionSpec.Value("text", "TEXT", null, "one sentence to embed"),
        OptionSpec.Value("input", "FILE", null, "a file of sentences, one per line (empty lines are skipped)"),
        OptionSpec.Value("pooling", "mean|cls", "mean", "mean of the tokens' rows (sentence-transformers) or the [CLS] row"),
        OptionSpec.Flag("normalize", "scale each embedding to unit length (L2)"),
        OptionSpec.Value("out", "FILE", null, "write here: .npy (float32 [sentences, hidden]) or JSON lines; default: JSON lines on stdout"),
        OptionSpec.Value("batch", "N", "32", "sentences per forward pass"),
        OptionSpec.Value("max-len", "N", null, "cut each sentence to N tokens with its special tokens (default: the model's positions)"),
        DeviceOptions.Device, DeviceOptions.Threads,
    ];

    public override int Run(ParsedOptions o)
    {
        var sentences = Sentences(o);
        var pooling = o.Choice("pooling", "mean", "cls") == "cls" ? Pooling.Cls : Pooling.Mean;
        bool normalize = o.Flag("normalize");
        int batch = o.Int("batch", 1, 4096);
        string checkpoint = CheckpointOption.Resolve(o);
        var (config, vocabulary, parameters) = Checkpoint.Load(checkpoint);
        int maxLen = o.OptionalInt("max-len", 3, config.MaxPosition) ?? config.MaxPosition;
        var (backend, deviceLine) = DeviceOptions.Create(o);
        using var _ = backend;
        stderr.WriteLine(deviceLine);
        stderr.WriteLine($"checkpoint: {Path.GetFullPath(Checkpoint.Locate(checkpoint))}");

        var tokenizer = TextTokenizer.For(vocabulary);
        var inputs = sentences.Select(s => tokenizer.Encode(s, null, maxLen)).ToList();
        int truncated = inputs.Count(i => i.Truncated);
        if (truncated > 0) stderr.WriteLine($"note: {truncated} sentence(s) cut to {maxLen} tokens");
        var encoder = new BatchEncoder(backend, config, vocabulary, parameters, Math.Min(batch, inputs.Count), inputs.Max(i => i.Length));
        var progress = inputs.Count > batch ? new CountProgress(stderr, inputs.Count, "sentences") : null;
        var clock = Stopwatch.StartNew();
        var embeddings = new List<float[]>(inputs.Count);
        encoder.EncodeRows(inputs, (_, rows) => embeddings.Add(SentencePooling.Pool(rows, config.Hidden, pooling, normalize)),
            done => progress?.Report(done));
        Write(o.String("out"), sentences, embeddings, config.Hidden);
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"embedded {inputs.Count} sentence(s) ({config.Hidden} values each, {(pooling == Pooling.Cls ? "cls" : "mean")} pooling{(normalize ? ", normalized" : "")}) in {clock.Elapsed.TotalSeconds:F2} s"));
        return CliApp.ExitOk;
    }

    private static List<string> Sentences(ParsedOptions o)
    {
        if (o.Has("text") == o.Has("input")) throw new InvalidOptionsException("embed needs exactly one of --text TEXT and --input FILE");
        if (o.String("text") is { } text)
            return text.Trim().Length > 0 ? [text] : throw new InvalidOptionsException("--text is empty; give a sentence");
        string file = o.String("input")!;
        if (!File.Exists(file)) throw new InvalidOptionsException($"--input {file} does not exist");
        var lines = File.ReadLines(file).Where(l => l.Trim().Length > 0).ToList();
        return lines.Count > 0 ? lines : throw new InvalidOptionsException($"--input {file} has no sentences (every line is empty)");
    }

    private void Write(string? path, List<string> sentences, List<float[]> embeddings, int hidden)
    {
        if (path != null && path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            NpyFile.Write(path, embeddings, hidden);
            stdout.WriteLine($"wrote {Path.GetFullPath(path)}: float32 [{embeddings.Count}, {hidden}]");
            return;
        }
        using var file = path == null ? null : new StreamWriter(path);
        var writer = file ?? stdout;
        for (int i = 0; i < sentences.Count; i++)
            writer.WriteLine(JsonFormat.Line(new { Text = sentences[i], Embedding = embeddings[i] }));
        if (path != null) stdout.WriteLine($"wrote {Path.GetFullPath(path)}: {embeddings.Count} JSON lines");
    }
}
