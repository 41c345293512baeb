using System.Globalization;
using System.Text.Json;
using BertNative.Interop;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Parallel;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`pretrain`: the book's experiment by default — 50 Adam steps of 512 WikiText-2 pairs on the small BERT.</summary>
public sealed class PretrainCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "pretrain";
    public override string Summary => "pretrain BERT with MLM + NSP on WikiText-2 (the book's run by default)";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("steps", "N", "50", "training steps"),
        OptionSpec.Value("batch", "N", "512", "sentence pairs per step"),
        DataOptions.MaxLen,
        .. ModelOptions.All,
        OptionSpec.Value("lr", "X", "0.01", "Adam learning rate"),
        DataOptions.Seed,
        DeviceOptions.Device, DeviceOptions.Threads,
        DeviceOptions.Precision,
        .. ReplicaSet.All,
        DataOptions.DataDir,
        OptionSpec.Value("out", "DIR", "runs/<time>", "run folder: metrics.jsonl, loss.svg, checkpoint/, summary.json"),
        OptionSpec.Value("save-every", "N", "0", "also save the checkpoint every N steps (0: only at the end; Ctrl+C always saves)"),
        OptionSpec.Flag("book-pytorch", "reproduce the book's PyTorch defects: unweighted MLM mean over padding, frozen positions"),
        OptionSpec.Flag("json", "print a one-object JSON summary on stdout instead of the book's lines"),
    ];

    public override int Run(ParsedOptions o)
    {
        int steps = o.Int("steps", 1, 10_000_000), batchSize = o.Int("batch", 1, 1 << 20), maxLen = DataOptions.ReadMaxLen(o);
        int saveEvery = o.Int("save-every", 0, 10_000_000);
        float lr = o.Float("lr", 1e-12f, 100f);
        ulong seed = o.Seed() ?? SeededRandom.FreshSeed();
        var mode = o.Flag("book-pytorch") ? LossMode.BookPyTorch : LossMode.Intended;
        bool json = o.Flag("json");
        // Validate the model's shape before the slow parts, with the book's vocabulary size as a stand-in.
        ModelOptions.Read(o, vocabSize: 20_256, maxLen);

        using var replicas = ReplicaSet.Create(o, batchSize);
        var backend = replicas.Backends[0];
        if (!replicas.IsMainRank) (stdout, stderr) = (TextWriter.Null, TextWriter.Null); // rank 0 speaks for the run; errors still print
        stderr.WriteLine(replicas.Line);

        string dataDir = WikiTextSource.Resolve(o.String("data"), stderr);
        var dataset = WikiTextDataset.Load(dataDir, maxLen, seed ^ SeedStreams.Data);
        var config = ModelOptions.Read(o, dataset.Corpus.Vocabulary.Count, maxLen);
        var layout = new ParameterLayout(config);
        stderr.WriteLine($"data: {dataset.Statistics.Examples:N0} examples from {dataDir} in {dataset.Statistics.BuildSeconds:F2} s; " +
                         $"model: {layout.TotalCount:N0} parameters ({config.Layers} layers, {config.Hidden} hidden, {config.Heads} heads); seed {seed}");

        var init = Initialization.Initialize(layout, new SeededRandom(seed ^ SeedStreams.Init));
        var settings = new PretrainSettings(steps, batchSize, new AdamSettings(lr), seed, mode);
        var runner = replicas.CreateRunner(config, Math.Min(batchSize, dataset.Examples.Count), maxLen, init, mode);
        runner.SynchronizeReplicas(RunFingerprint.Of(config, settings, replicas.AccumulateSteps, dataset.Examples));
        var model = runner.Replicas[0].Model;
        string runDir = replicas.IsMainRank ? RunFolder.Create(o.String("out")) : Path.Combine(Path.GetTempPath(), $"bertnative-rank{replicas.Rank}-{Environment.ProcessId}");

        string checkpointDir = Path.Combine(runDir, "checkpoint");
        void Save(int completedSteps) => Checkpoint.Save(checkpointDir, config, dataset.Corpus.Vocabulary, model.DownloadParameters(),
            new Dictionary<string, string> { ["steps"] = completedSteps.ToString(CultureInfo.InvariantCulture), ["seed"] = seed.ToString(CultureInfo.InvariantCulture), ["loss"] = mode.ToString() });

        var progress = new ProgressBar(stderr, steps);
        using var interrupt = new InterruptAfterStep(stderr);
        using var metrics = replicas.IsMainRank ? new StreamWriter(Path.Combine(runDir, "metrics.jsonl")) : StreamWriter.Null;
        var result = Pretrainer.Run(runner, dataset.Examples, settings, step =>
        {
            metrics.WriteLine(JsonSerializer.Serialize(new { step = step.Step, epoch = step.Epoch, mlm = step.Mlm, nsp = step.Nsp, seconds = step.Seconds, pairs = step.Pairs }));
            progress.Report(step);
            FaultInjection.AfterStep(replicas.Rank, step.Step);
            if (saveEvery > 0 && step.Step % saveEvery == 0 && step.Step < steps && replicas.IsMainRank) Save(step.Step);
        }, interrupt.Token);
        progress.Finish();
        metrics.Flush();
        if (result.Steps.Count == 0) throw new BertNativeException("interrupted before the first step finished; nothing was trained or saved");
        if (result.Steps.Count < steps) stderr.WriteLine($"interrupted: {result.Steps.Count} of {steps} steps done; saving what was trained");
        if (!replicas.IsMainRank)
        {
            replicas.FinishRun();
            return CliApp.ExitOk;
        }
        Save(result.Steps.Count);
        string device = $"{backend.Name} ({backend.DeviceDescription}{replicas.Suffix})";
        LossPlot.WriteSvg(Path.Combine(runDir, "loss.svg"), result.Steps, $"BERT pretraining on WikiText-2, {device}");
        var summary = new PretrainSummary(result.MeanMlm, result.MeanNsp, result.PairsPerSecond, result.SteadyPairsPerSecond, result.Steps.Count, batchSize, maxLen,
            layout.TotalCount, backend.Name, backend.DeviceDescription, seed, mode == LossMode.BookPyTorch, runDir, checkpointDir,
            replicas.Backends.Count, replicas.WorldSize, replicas.AccumulateSteps, runner.WaitingOnGradients.TotalSeconds / result.Steps.Sum(s => s.Seconds));
        File.WriteAllText(Path.Combine(runDir, "summary.json"), JsonSerializer.Serialize(summary, PretrainSummary.JsonOptions));

        if (json) stdout.WriteLine(JsonSerializer.Serialize(summary, PretrainSummary.JsonOptions));
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MLM loss {result.MeanMlm:F3}, NSP loss {result.MeanNsp:F3}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.PairsPerSecond:F1} sentence pairs/sec on {device}"));
            if (replicas.WorldSize > 1)
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient all-reduce: {summary.AllreduceWaitShare:P1} of the step time waited for after backward (overlap {(runner.Overlap ? "on" : "off")})"));
            stderr.WriteLine($"run folder: {runDir} (loss.svg, metrics.jsonl, checkpoint/)");
        }
        replicas.FinishRun();
        return CliApp.ExitOk;
    }
}
