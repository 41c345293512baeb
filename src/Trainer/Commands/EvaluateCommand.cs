using System.Globalization;
using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`evaluate`: a checkpoint's MLM and NSP quality on held-out text (WikiText-2's valid or test split, or a
/// file), on examples built as training builds them, with a fixed seed, in inference mode.</summary>
public sealed class EvaluateCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "evaluate";
    public override string Summary => "MLM loss, perplexity and accuracy, NSP loss and accuracy of a checkpoint on held-out text";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("checkpoint", "DIR", null, "checkpoint folder written by pretrain or import (required)"),
        OptionSpec.Value("split", "valid|test", "valid", "WikiText-2 split to evaluate on"),
        OptionSpec.Value("corpus", "PATH", null, "evaluate on this text instead (a file or a folder of .txt files, pretrain --corpus's format)"),
        OptionSpec.Value("max-len", "N", "the run's", "tokens per example (64 for a checkpoint that does not record its run)"),
        OptionSpec.Value("batch", "N", "256", "examples per forward pass"),
        DataOptions.DataDir,
        DeviceOptions.Device, DeviceOptions.Threads, DeviceOptions.Verbose,
        OptionSpec.Flag("json", "print one JSON object"),
    ];

    public override int Run(ParsedOptions o)
    {
        string checkpoint = o.String("checkpoint") ?? throw new InvalidOptionsException("evaluate needs --checkpoint DIR (a run's checkpoint/ folder)");
        string split = o.Choice("split", "valid", "test");
        int batch = o.Int("batch", 1, 1 << 16);
        var (config, vocabulary, parameters) = Checkpoint.Load(checkpoint, stderr.WriteLine);
        string located = Checkpoint.Locate(checkpoint);
        string? runMaxLen = TrainingState.ExistsIn(located) ? TrainingState.Read(located).Options.GetValueOrDefault("max-len") : null;
        int maxLen = o.Has("max-len") ? DataOptions.ReadMaxLen(o) : int.Parse(runMaxLen ?? "64", CultureInfo.InvariantCulture);
        config.Validate(maxLen);

        var (backend, deviceLine) = DeviceOptions.Create(o);
        using var _ = backend;
        stderr.WriteLine(deviceLine);
        if (DeviceOptions.VerboseLine(o) is { } verbose) stderr.WriteLine(verbose);
        if (DeviceOptions.ThreadsWarning(o) is { } threadsWarning) stderr.WriteLine(threadsWarning);
        string source;
        PretrainingExamples examples;
        if (o.String("corpus") is { } corpus)
        {
            source = corpus;
            examples = Evaluator.Examples(Corpus.Parse(TrainingText.ReadCorpusText(corpus), vocabulary), corpus, maxLen, stderr.WriteLine);
            split = Path.GetFileName(Path.TrimEndingDirectorySeparator(corpus));
        }
        else
        {
            source = WikiTextSource.SplitPath(WikiTextSource.Resolve(o.String("data"), stderr), split);
            examples = Evaluator.Examples(source, vocabulary, maxLen, stderr.WriteLine);
        }
        int capacity = Math.Max(1, Math.Min(batch, examples.Count));
        stderr.WriteLine($"evaluating {located} on {examples.Count:N0} examples of {source} (max_len {maxLen}); {ModelMemory.Check(backend, config, capacity, maxLen, training: false)}");
        var model = ModelMemory.Create(backend, config, capacity, maxLen, parameters, training: false);
        var result = Evaluator.Evaluate(model, examples, split);

        if (o.Flag("json"))
            stdout.WriteLine(JsonFormat.Line(new
            {
                Checkpoint = located, result.Split, result.Examples, result.MlmLoss, result.Perplexity,
                result.MlmAccuracy, result.NspLoss, result.NspAccuracy, result.Seconds, result.ExamplesPerSecond,
            }));
        else stdout.WriteLine(RunMetrics.Format(result));
        return CliApp.ExitOk;
    }
}
