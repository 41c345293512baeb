using System.Globalization;
using BertNative.Contract;
using BertNative.Interop.Cuda;
using BertNative.Model.Data;
using BertNative.Model.Devices;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>
/// A pretraining run built from <see cref="PretrainOptions"/>, the one way the CLI, the benchmarks and a library user
/// take: <see cref="Open"/> makes the replicas (backends and communicators), claims the run folder, reads the data,
/// builds the model on every replica and the run (new or resumed); <see cref="Train"/> trains; <see cref="Finish"/> saves
/// the checkpoint, the loss plot and summary.json. Lines for a person (backend, data, memory) go to the log; under
/// mpirun only rank 0 writes any.
/// </summary>
public sealed class Pretraining : IDisposable
{
    /// <summary>Below this many tokens a vocabulary is too small to learn a language from.</summary>
    public const int SmallVocabulary = 100;

    private readonly ReplicaSet _replicas;
    private readonly TrainingRun _run;

    private Pretraining(PretrainOptions options, ReplicaSet replicas, TrainingRun run, StepRunner runner, BertConfig config, ulong seed)
    {
        Options = options;
        _replicas = replicas;
        _run = run;
        Runner = runner;
        Config = config;
        Seed = seed;
    }

    public PretrainOptions Options { get; }
    public ReplicaSet Replicas => _replicas;
    public TrainingRun Run => _run;
    public StepRunner Runner { get; }
    public BertConfig Config { get; }
    public ulong Seed { get; }
    public IBackend Backend => _replicas.Backends[0];
    /// <summary>"cpu (AMD EPYC ..., 2 replicas)": what the run trained on, for the printed results and the plot.</summary>
    public string DeviceLabel => $"{Backend.Name} ({Backend.DeviceDescription}{_replicas.Suffix})";

    public static Pretraining Open(PretrainOptions options, TextWriter? log = null)
    {
        log ??= TextWriter.Null;
        options.Check();
        int stepPairs = options.StepPairs, maxLen = options.MaxLen;
        var replicas = ReplicaSet.Create(options.Parallel, options.MicroBatch);
        RunFolder? folder = null;
        try
        {
            ulong seed = replicas.AgreeOnSeed(options.Seed);
            if (!replicas.IsMainRank) log = TextWriter.Null; // rank 0 speaks for the run; errors still reach the caller
            string? resume = options.Resume?.Folder;
            folder = !replicas.IsMainRank
                ? (resume != null ? RunFolder.ForResume(resume, writes: false) : RunFolder.WithoutWrites(Path.Combine(Path.GetTempPath(), $"bertnative-rank{replicas.Rank}-{Environment.ProcessId}")))
                : resume != null ? RunFolder.ForResume(resume) : RunFolder.ForNewRun(options.Out, options.Overwrite);
            log.WriteLine(replicas.Line);
            if (options.Verbose && BackendSelector.AutoReasonLine is { } verbose) log.WriteLine(verbose);
            if (options.Parallel.Device.ThreadsWarning() is { } threadsWarning) log.WriteLine(threadsWarning);
            if (options.Resume != null && RunTopology.Change(options.Resume.SavedOptions, replicas) is { } change) log.WriteLine(change);

            string? corpus = options.Corpus;
            string? dataDir = corpus == null || (options.EvalEvery > 0 && options.EvalCorpus == null) ? WikiTextSource.Resolve(options.DataDir, log) : null;
            var init = options.Init;
            var (dataset, source) = TrainingText.Load(corpus, dataDir, maxLen, seed ^ SeedStreams.Data, options.MinFrequency, stepPairs, init?.Vocabulary);
            var vocabulary = dataset.Corpus.Vocabulary;
            if (VocabularyWarning(vocabulary.Count, options.MinFrequency) is { } small) log.WriteLine(small);
            var config = init?.Config ?? (options.Model with { VocabSize = vocabulary.Count }).ValidatedOptions(maxLen);
            var layout = ParameterLayout.Of(config);
            var evalExamples = options.EvalEvery > 0
                ? Evaluator.Examples(options.EvalCorpus ?? WikiTextSource.SplitPath(dataDir!, WikiTextSource.ValidSplit), vocabulary, maxLen, log.WriteLine)
                : null;
            var backend = replicas.Backends[0];
            int capacity = StepRunner.ReplicaCapacity(stepPairs, replicas.WorldSize, replicas.AccumulateSteps);
            string memoryLine = ModelMemory.Check(backend, config, capacity, maxLen, sharing: backend.Name == "cpu" ? replicas.Backends.Count : 1);
            log.WriteLine($"data: {dataset.Statistics.Examples:N0} examples from {source} in {dataset.Statistics.BuildSeconds:F2} s; " +
                          $"model: {layout.TotalCount:N0} parameters ({config.Layers} layers, {config.Hidden} hidden, {config.Heads} heads{Variations(config)}); seed {seed}; {memoryLine}");

            var settings = new PretrainSettings(options.Steps, stepPairs, options.Optimizer, seed, options.LossMode);
            var runner = replicas.CreateRunner(config, stepPairs, maxLen,
                init?.Parameters ?? Initialization.Initialize(layout, new SeededRandom(seed ^ SeedStreams.Init)), options.LossMode);
            var plan = new RunPlan(config, vocabulary, dataset.Examples, settings, RunOptions(options, seed, replicas), options.SaveEvery, options.EvalEvery,
                evalExamples, SaveEveryMinutes: options.SaveEveryMinutes);
            runner.SynchronizeReplicas(RunFingerprint.Of(config, settings, replicas.AccumulateSteps, plan.DataFingerprint));
            var run = resume != null ? TrainingRun.Resume(folder, runner, plan) : TrainingRun.Start(folder, runner, plan);
            if (resume != null) log.WriteLine($"resuming {run.Folder} after step {run.CompletedSteps} of {options.Steps}");
            return new Pretraining(options, replicas, run, runner, config, seed);
        }
        catch
        {
            folder?.Dispose();
            replicas.Dispose();
            throw;
        }
    }

    /// <summary>Trains up to the options' total steps, or until <paramref name="stop"/> (the step in flight finishes; under
    /// mpirun every rank stops after the same one). See <see cref="TrainingRun.Train"/> for what a failure saves.</summary>
    public PretrainResult Train(Action<StepResult>? onStep = null, Action<EvaluationResult>? onEvaluation = null, CancellationToken stop = default) =>
        _run.Train(onStep ?? (_ => { }), onEvaluation ?? (_ => { }), stop);

    /// <summary>After <see cref="Train"/>: rank 0 saves the checkpoint, the loss plot and summary.json and gets the summary
    /// (every step of the run, those before a resume included); other ranks, and a run that trained no step, get null. Then
    /// the ranks leave together.</summary>
    public PretrainSummary? Finish(PretrainResult result)
    {
        if (result.Steps.Count == 0 || !_replicas.IsMainRank)
        {
            _replicas.FinishRun();
            return null;
        }
        _run.SaveFinalCheckpoint();
        var all = new PretrainResult(_run.Steps);
        string text = Options.Corpus != null ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Options.Corpus)) : "WikiText-2";
        _run.WritePlot($"BERT pretraining on {text}\n{DeviceLabel}");
        var evaluation = _run.Evaluations.Count > 0 ? _run.Evaluations[^1].Result : null;
        var summary = new PretrainSummary(all.MeanMlm, all.MeanNsp, result.PairsPerSecond, result.SteadyPairsPerSecond, _run.CompletedSteps, Options.MicroBatch,
            Options.MaxLen, ParameterLayout.Of(Config).TotalCount, Backend.Name, Backend.DeviceDescription, Seed, Options.LossMode == LossMode.BookPyTorch,
            _run.Folder, _run.CheckpointPath, evaluation?.MlmLoss, evaluation?.MlmAccuracy, evaluation?.NspLoss, evaluation?.NspAccuracy,
            _replicas.Backends.Count, _replicas.WorldSize, _replicas.AccumulateSteps, Options.StepPairs, Runner.WaitingOnGradients.TotalSeconds / result.Steps.Sum(s => s.Seconds),
            Backend.Name == "cuda" && CudaProbe.IsSimulation ? true : null)
        {
            BackendChoice = Options.Parallel.Device.Device == "auto" ? BackendSelector.AutoReason : null,
        };
        _run.WriteFile(PretrainSummary.FileName, JsonFormat.Line(summary));
        _replicas.FinishRun();
        return summary;
    }

    /// <summary>Releases the run folder (its lock), then the communicators and devices.</summary>
    public void Dispose()
    {
        _run.Dispose();
        _replicas.Dispose();
    }

    /// <summary>What the checkpoint keeps to rebuild the run on resume: the caller's options, the seed drawn, the replica
    /// count, and where the text and starting checkpoint were.</summary>
    private static Dictionary<string, string> RunOptions(PretrainOptions options, ulong seed, ReplicaSet replicas)
    {
        var saved = new Dictionary<string, string>(options.RunOptions) { [RunOptionNames.Seed] = seed.ToString(CultureInfo.InvariantCulture) };
        RunTopology.Record(saved, replicas);
        if (options.Corpus != null) saved[RunOptionNames.Corpus] = Path.GetFullPath(options.Corpus);
        if (options.Init != null) saved[RunOptionNames.Init] = options.Init.Folder;
        return saved;
    }

    private static string? VocabularyWarning(int size, int minFreq)
    {
        if (size <= Vocabulary.Reserved.Length)
            throw new BertNativeException($"no token of the text appears --min-freq {minFreq} times: the vocabulary would hold only the {size} reserved tokens; lower --min-freq");
        return size < SmallVocabulary
            ? $"warning: the vocabulary holds only {size} tokens (those seen at least --min-freq {minFreq} times): too few to learn much; lower --min-freq or use more text"
            : null;
    }

    /// <summary>The options that differ from the book's architecture, for the data line: "" when none does.</summary>
    private static string Variations(BertConfig c)
    {
        var parts = new List<string>();
        if (c.EmbeddingLayerNorm) parts.Add("embedding LayerNorm");
        if (c.TieDecoder) parts.Add("tied decoder");
        if (c.MlmActivation != Activation.Relu) parts.Add($"{c.MlmActivation.ToString().ToLowerInvariant()} MLM transform");
        if (c.LayerNormEpsilon != 1e-5f) parts.Add($"LayerNorm eps {c.LayerNormEpsilon:G3}");
        return parts.Count == 0 ? "" : "; " + string.Join(", ", parts);
    }
}

/// <summary>The keys of a run's saved options that the library itself writes (the others are the CLI's option names).</summary>
public static class RunOptionNames
{
    public const string Seed = "seed", Corpus = "corpus", Init = "init";
}
