using System.Globalization;
using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`pretrain`: the book's experiment by default — 50 Adam steps of 512 WikiText-2 pairs on the small BERT.
/// It reads the options once into a <see cref="PretrainOptions"/> and prints; the run itself (replicas, data, model, folder,
/// checkpoints, evaluation, resume) is the library's <see cref="Pretraining"/>.</summary>
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

    public override int Run(ParsedOptions o)
    {
        if (LaunchedAsOtherRank) (stdout, stderr) = (TextWriter.Null, TextWriter.Null); // rank 0 speaks for the run; errors still print
        var options = Read(o);
        // From here a stop signal waits for the current step (or ends the run before its first one) instead of killing it.
        using var interrupt = new InterruptAfterStep(stderr);
        using var pretraining = Pretraining.Open(options, stderr);
        var run = pretraining.Run;
        int steps = options.Steps;

        var progress = new ProgressBar(stderr, steps);
        var result = pretraining.Train(step =>
        {
            progress.Report(step);
            FaultInjection.AfterStep(pretraining.Replicas.Rank, step.Step, interrupt);
        }, e => progress.Note(RunMetrics.Format(e)), interrupt.Token);
        progress.Finish();
        bool stopped = run.CompletedSteps < steps;
        int exitCode = stopped ? interrupt.ExitCode : CliApp.ExitOk;
        string by = interrupt.Signal != 0 ? $"stopped by {interrupt.SignalName}" : "stopped because another rank was interrupted";
        var summary = pretraining.Finish(result);
        if (result.Steps.Count == 0)
            stderr.WriteLine($"{by} before the first step of this run finished; nothing new was trained" +
                             (options.Resume != null ? $" and the checkpoint in {run.CheckpointPath} is unchanged" : " or saved"));
        if (summary is null) return exitCode;
        if (stopped)
            stderr.WriteLine($"{by} after step {run.CompletedSteps} of {steps}; the checkpoint is saved in {run.CheckpointPath} (continue with --resume {run.Folder} --steps {steps})");

        if (o.Flag("json")) stdout.WriteLine(JsonFormat.Line(summary));
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MLM loss {summary.Mlm:F3}, NSP loss {summary.Nsp:F3}"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{summary.PairsPerSec:F1} sentence pairs/sec on {pretraining.DeviceLabel}"));
            if (summary.WorldSize > 1)
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"gradient all-reduce: {summary.AllreduceWaitShare:P1} of the step time waited for after backward (overlap {(pretraining.Runner.Overlap ? "on" : "off")})"));
            if (!stopped) stderr.WriteLine($"run folder: {run.Folder} (loss.svg, metrics.jsonl, checkpoint/)");
        }
        return exitCode;
    }

    /// <summary>The command line as one <see cref="PretrainOptions"/>; with --resume, the run's saved options first
    /// (one given again with another value is refused).</summary>
    private PretrainOptions Read(ParsedOptions o)
    {
        ResumePoint? resume = null;
        if (o.String("resume") is { } resumeDir)
        {
            if (o.Has("out") || o.Has("overwrite")) throw new InvalidOptionsException("--resume continues a run in its own folder; drop --out and --overwrite");
            var saved = TrainingRun.ReadState(resumeDir, LaunchedAsOtherRank ? null : stderr.WriteLine, checkLock: !LaunchedAsOtherRank).Options;
            o = ResumeTopology.Apply(o.WithSaved(saved, TrainingOptions.RunDefining), saved);
            resume = new ResumePoint(resumeDir, saved);
        }
        int steps = o.Int("steps", 1, 10_000_000), maxLen = DataOptions.ReadMaxLen(o);
        string? corpus = o.String(TrainingOptions.Corpus.Name) ?? resume?.SavedOptions.GetValueOrDefault(RunOptionNames.Corpus);
        return new PretrainOptions
        {
            Steps = steps,
            MicroBatch = o.Int("batch", 1, 1 << 20),
            MaxLen = maxLen,
            Model = ModelOptions.Read(o, BertConfig.BookVocabularySize, maxLen),
            Optimizer = TrainingOptions.Read(o, steps),
            LossMode = o.Flag("book-pytorch") ? LossMode.BookPyTorch : LossMode.Intended,
            Seed = o.Seed(),
            Parallel = ParallelOptions.Read(o),
            DataDir = o.String("data"),
            Corpus = corpus,
            MinFrequency = o.Int("min-freq", 1, 1 << 30),
            Init = ContinuedPretraining.Load(o, maxLen, resuming: resume != null),
            Out = o.Has("out") ? o.String("out") : null,
            Overwrite = o.Flag("overwrite"),
            Resume = resume,
            SaveEvery = o.Int("save-every", 0, 10_000_000),
            SaveEveryMinutes = o.Float("save-every-minutes", 0f, 1e6f),
            EvalEvery = o.Int("eval-every", 0, 10_000_000),
            EvalCorpus = o.String("eval-corpus"),
            Verbose = o.Flag("verbose"),
            RunOptions = o.Snapshot(TrainingOptions.RunDefining),
        };
    }
}
