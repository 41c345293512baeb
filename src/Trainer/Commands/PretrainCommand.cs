using System.Globalization;
using System.Text.Json;
using BertNative.Contract;
using BertNative.Interop.Cuda;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Devices;
using BertNative.Model.Parallel;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`pretrain`: the book's experiment by default — 50 Adam steps of 512 WikiText-2 pairs on the small BERT.
/// It parses options and prints; the run itself (folder, checkpoints, metrics, evaluation, resume) is a <see cref="TrainingRun"/>.</summary>
public sealed class PretrainCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "pretrain";
    public override string Summary => "pretrain BERT with MLM + NSP on WikiText-2 (the book's run by default) or your own text";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        OptionSpec.Value("steps", "N", "50", "training steps in all (a resumed run continues up to this total)"),
        TrainingOptions.Batch,
        DataOptions.MaxLen,
        .. ModelOptions.All,
        TrainingOptions.Lr, TrainingOptions.Schedule, TrainingOptions.Warmup, TrainingOptions.WeightDecay, TrainingOptions.Clip,
        DataOptions.Seed,
        DeviceOptions.Device, DeviceOptions.Threads, DeviceOptions.Verbose,
        DeviceOptions.Precision,
        .. ParallelOptions.All,
        DataOptions.DataDir, TrainingOptions.Corpus, TrainingOptions.MinFreq, TrainingOptions.Init,
        OptionSpec.Value("out", "DIR", "runs/<time>", "run folder: metrics.jsonl, loss.svg, checkpoint/, summary.json (must be new or empty)"),
        OptionSpec.Flag("overwrite", "replace the run in a non-empty --out folder"),
        OptionSpec.Value("resume", "DIR", null, "continue the run in DIR from its checkpoint, with its settings, up to --steps"),
        OptionSpec.Value("save-every", "N", "0", "also save the checkpoint every N steps (0: only at the end; Ctrl+C, SIGTERM and SIGHUP always save)"),
        OptionSpec.Value("save-every-minutes", "M", "0", "also save the checkpoint when M minutes (wall clock) have passed since the last save (0: off)"),
        OptionSpec.Value("eval-every", "N", "0", "evaluate on held-out text every N steps and at the end (0: never)"),
        OptionSpec.Value("eval-corpus", "PATH", null, "held-out text for --eval-every (default: WikiText-2's wiki.valid.tokens; needed with --corpus)"),
        TrainingOptions.BookPyTorch,
        OptionSpec.Flag("json", "print a one-object JSON summary on stdout instead of the book's lines"),
    ];

    /// <summary>Started by mpirun as a rank other than 0 (which neither writes nor locks the run folder); known before MPI starts.</summary>
    private static bool LaunchedAsOtherRank =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") ?? Environment.GetEnvironmentVariable("PMIX_RANK"), out int rank) && rank != 0;

    /// <summary>Below this many tokens a vocabulary is too small to learn a language from.</summary>
    public const int SmallVocabulary = 100;

    private static string? VocabularyWarning(int size, int minFreq)
    {
        if (size <= Vocabulary.Reserved.Length)
            throw new BertNativeException($"no token of the text appears --min-freq {minFreq} times: the vocabulary would hold only the {size} reserved tokens; lower --min-freq");
        return size < SmallVocabulary
            ? $"warning: the vocabulary holds only {size} tokens (those seen at least --min-freq {minFreq} times): too few to learn much; lower --min-freq or use more text"
            : null;
    }

    public override int Run(ParsedOptions o)
    {
        string? resume = o.String("resume"), corpusPath = o.String("corpus");
        IReadOnlyDictionary<string, string>? savedOptions = null;
        if (resume != null)
        {
            if (o.Has("out") || o.Has("overwrite")) throw new InvalidOptionsException("--resume continues a run in its own folder; drop --out and --overwrite");
            var saved = TrainingRun.ReadState(resume, LaunchedAsOtherRank ? null : stderr.WriteLine, checkLock: !LaunchedAsOtherRank).Options;
            o = ResumeTopology.Apply(o.WithSaved(saved, TrainingOptions.RunDefining), saved);
            savedOptions = saved;
            corpusPath ??= saved.GetValueOrDefault(TrainingOptions.Corpus.Name);
        }
        int steps = o.Int("steps", 1, 10_000_000), batchSize = o.Int("batch", 1, 1 << 20), maxLen = DataOptions.ReadMaxLen(o);
        // --accumulate K: each step takes K micro-batches of --batch pairs (the memory of --batch, the gradient of K x --batch).
        var parallel = ParallelOptions.Read(o);
        int stepBatch = parallel.StepPairs(batchSize);
        double saveEveryMinutes = o.Float("save-every-minutes", 0f, 1e6f);
        int saveEvery = o.Int("save-every", 0, 10_000_000), evalEvery = o.Int("eval-every", 0, 10_000_000), minFreq = o.Int("min-freq", 1, 1 << 30);
        var optimizer = TrainingOptions.Read(o, steps);
        ulong? givenSeed = o.Seed();
        var mode = o.Flag("book-pytorch") ? LossMode.BookPyTorch : LossMode.Intended;
        string? evalCorpus = o.String("eval-corpus");
        if (evalEvery > 0 && corpusPath != null && evalCorpus == null)
            throw new InvalidOptionsException("--eval-every with --corpus needs --eval-corpus PATH: held-out text in the same format");
        // Validate the model's shape before the slow parts, with the book's vocabulary size as a stand-in.
        ModelOptions.Read(o, vocabSize: 20_256, maxLen);

        using var replicas = ReplicaSet.Create(parallel, batchSize);
        ulong seed = replicas.AgreeOnSeed(givenSeed);
        var backend = replicas.Backends[0];
        if (!replicas.IsMainRank) (stdout, stderr) = (TextWriter.Null, TextWriter.Null); // rank 0 speaks for the run; errors still print
        // From here a stop signal waits for the current step (or ends the run before its first one) instead of killing it.
        using var interrupt = new InterruptAfterStep(stderr);
        using var folder = !replicas.IsMainRank
            ? (resume != null ? RunFolder.ForResume(resume, writes: false) : RunFolder.WithoutWrites(Path.Combine(Path.GetTempPath(), $"bertnative-rank{replicas.Rank}-{Environment.ProcessId}")))
            : resume != null ? RunFolder.ForResume(resume) : RunFolder.ForNewRun(o.Has("out") ? o.String("out") : null, o.Flag("overwrite"));
        stderr.WriteLine(replicas.Line);
        if (DeviceOptions.VerboseLine(o) is { } verbose) stderr.WriteLine(verbose);
        if (DeviceOptions.ThreadsWarning(o) is { } threadsWarning) stderr.WriteLine(threadsWarning);
        if (savedOptions != null && ResumeTopology.Change(savedOptions, replicas) is { } change) stderr.WriteLine(change);

        string? dataDir = corpusPath == null || (evalEvery > 0 && evalCorpus == null) ? WikiTextSource.Resolve(o.String("data"), stderr) : null;
        var init = ContinuedPretraining.Load(o, maxLen, resuming: resume != null);
        var (dataset, source) = TrainingText.Load(corpusPath, dataDir, maxLen, seed ^ SeedStreams.Data, minFreq, stepBatch, init?.Vocabulary);
        var vocabulary = dataset.Corpus.Vocabulary;
        if (VocabularyWarning(vocabulary.Count, minFreq) is { } small) stderr.WriteLine(small);
        var config = init?.Config ?? ModelOptions.Read(o, vocabulary.Count, maxLen);
        var layout = new ParameterLayout(config);
        var evalExamples = evalEvery > 0 ? Evaluator.Examples(evalCorpus ?? Path.Combine(dataDir!, EvaluateCommand.SplitFile("valid")), vocabulary, maxLen, stderr.WriteLine) : null;
        int capacity = StepRunner.ReplicaCapacity(stepBatch, replicas.WorldSize, replicas.AccumulateSteps);
        string memoryLine = ModelMemory.Check(backend, config, capacity, maxLen, sharing: backend.Name == "cpu" ? replicas.Backends.Count : 1);
        stderr.WriteLine($"data: {dataset.Statistics.Examples:N0} examples from {source} in {dataset.Statistics.BuildSeconds:F2} s; " +
                         $"model: {layout.TotalCount:N0} parameters ({config.Layers} layers, {config.Hidden} hidden, {config.Heads} heads{ModelOptions.Variations(config)}); seed {seed}; {memoryLine}");

        var settings = new PretrainSettings(steps, stepBatch, optimizer, seed, mode);
        var runner = replicas.CreateRunner(config, stepBatch, maxLen, init?.Parameters ?? Initialization.Initialize(layout, new SeededRandom(seed ^ SeedStreams.Init)), mode);
        var defining = o.Snapshot(TrainingOptions.RunDefining);
        defining["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        ResumeTopology.Record(defining, replicas);
        if (corpusPath != null) defining[TrainingOptions.Corpus.Name] = Path.GetFullPath(corpusPath);
        if (o.String(TrainingOptions.Init.Name) is { } initDir) defining[TrainingOptions.Init.Name] = Path.GetFullPath(initDir);
        var plan = new RunPlan(config, vocabulary, dataset.Examples, settings, defining, saveEvery, evalEvery, evalExamples, SaveEveryMinutes: saveEveryMinutes);
        runner.SynchronizeReplicas(RunFingerprint.Of(config, settings, replicas.AccumulateSteps, plan.DataFingerprint));
        var run = resume != null ? TrainingRun.Resume(folder, runner, plan) : TrainingRun.Start(folder, runner, plan);
        if (resume != null) stderr.WriteLine($"resuming {run.Folder} after step {run.CompletedSteps} of {steps}");

        var progress = new ProgressBar(stderr, steps);
        var result = run.Train(step =>
        {
            progress.Report(step);
            FaultInjection.AfterStep(replicas.Rank, step.Step, interrupt);
        }, e => progress.Note(RunMetrics.Format(e)), interrupt.Token);
        progress.Finish();
        bool stopped = run.CompletedSteps < steps;
        int exitCode = stopped ? interrupt.ExitCode : CliApp.ExitOk;
        string by = interrupt.Signal != 0 ? $"stopped by {interrupt.SignalName}" : "stopped because another rank was interrupted";
        if (result.Steps.Count == 0)
        {
            stderr.WriteLine($"{by} before the first step of this run finished; nothing new was trained" +
                             (resume != null ? $" and the checkpoint in {run.CheckpointPath} is unchanged" : " or saved"));
            replicas.FinishRun();
            return exitCode;
        }
        if (!replicas.IsMainRank)
        {
            replicas.FinishRun();
            return exitCode;
        }
        run.SaveFinalCheckpoint();
        if (stopped)
            stderr.WriteLine($"{by} after step {run.CompletedSteps} of {steps}; the checkpoint is saved in {run.CheckpointPath} (continue with --resume {run.Folder} --steps {steps})");

        var all = new PretrainResult(run.Steps);
        string device = $"{backend.Name} ({backend.DeviceDescription}{replicas.Suffix})";
        run.WritePlot($"BERT pretraining on {(corpusPath != null ? Path.GetFileName(Path.TrimEndingDirectorySeparator(corpusPath)) : "WikiText-2")}\n{device}");
        var evaluation = run.Evaluations.Count > 0 ? run.Evaluations[^1].Result : null;
        var summary = new PretrainSummary(all.MeanMlm, all.MeanNsp, result.PairsPerSecond, result.SteadyPairsPerSecond, run.CompletedSteps, batchSize, maxLen,
            layout.TotalCount, backend.Name, backend.DeviceDescription, seed, mode == LossMode.BookPyTorch, run.Folder, run.CheckpointPath,
            evaluation?.MlmLoss, evaluation?.MlmAccuracy, evaluation?.NspLoss, evaluation?.NspAccuracy,
            replicas.Backends.Count, replicas.WorldSize, replicas.AccumulateSteps, runner.WaitingOnGradients.TotalSeconds / result.Steps.Sum(s => s.Seconds),
            backend.Name == "cuda" && CudaProbe.IsSimulation ? true : null)
        {
            BackendChoice = o.String("device") == "auto" ? BackendSelector.AutoReason : null,
        };
        run.WriteFile("summary.json", JsonSerializer.Serialize(summary, PretrainSummary.JsonOptions));

        if (o.Flag("json")) stdout.WriteLine(JsonSerializer.Serialize(summary, PretrainSummary.JsonOptions));
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MLM loss {all.MeanMlm:F3}, NSP loss {all.MeanNsp:F3}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.PairsPerSecond:F1} sentence pairs/sec on {device}"));
            if (replicas.WorldSize > 1)
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient all-reduce: {summary.AllreduceWaitShare:P1} of the step time waited for after backward (overlap {(runner.Overlap ? "on" : "off")})"));
            if (!stopped) stderr.WriteLine($"run folder: {run.Folder} (loss.svg, metrics.jsonl, checkpoint/)");
        }
        replicas.FinishRun();
        return exitCode;
    }
}
