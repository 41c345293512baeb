using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Model.Devices;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>
/// Everything one pretraining run is built from, read once (the CLI's <c>pretrain</c> options map onto it one to one).
/// The defaults are the book's run: 50 steps of 512 WikiText-2 pairs at max_len 64 on the small BERT, Adam lr 0.01.
/// </summary>
public sealed record PretrainOptions
{
    /// <summary>Steps in all; a resumed run continues up to this total.</summary>
    public int Steps { get; init; } = 50;
    /// <summary>Sentence pairs of one micro-batch over all replicas (<c>--batch</c>); a step takes
    /// <see cref="ReplicaOptions.Accumulate"/> of them (<see cref="StepPairs"/>).</summary>
    public int MicroBatch { get; init; } = 512;
    public int MaxLen { get; init; } = 64;
    /// <summary>The model's shape; its vocabulary size is the data's. Ignored with <see cref="Init"/>, which brings its own.</summary>
    public BertConfig Model { get; init; } = BertConfig.Book(0);
    public OptimizerSettings Optimizer { get; init; } = OptimizerSettings.Constant(0.01f);
    public LossMode LossMode { get; init; } = LossMode.Intended;
    /// <summary>Seeds data, initialization and dropout; null draws one (rank 0's, under mpirun).</summary>
    public ulong? Seed { get; init; }
    /// <summary>Where to run and how many replicas.</summary>
    public ReplicaOptions Parallel { get; init; } = new(new DeviceChoice());

    /// <summary>A folder holding WikiText-2; null looks in $BERTNATIVE_DATA, the user cache, then downloads.</summary>
    public string? DataDir { get; init; }
    /// <summary>Own text instead of WikiText-2: a file, or a folder of .txt files.</summary>
    public string? Corpus { get; init; }
    /// <summary>Vocabulary: tokens seen at least this often (the rest are &lt;unk&gt;).</summary>
    public int MinFrequency { get; init; } = 5;
    /// <summary>Continued pretraining: the weights, shape and vocabulary to start from.</summary>
    public StartingCheckpoint? Init { get; init; }

    /// <summary>The run folder; null: runs/&lt;UTC time&gt;.</summary>
    public string? Out { get; init; }
    public bool Overwrite { get; init; }
    /// <summary>The run to continue (its folder and saved options, from <see cref="TrainingRun.ReadState"/>).</summary>
    public ResumePoint? Resume { get; init; }
    public int SaveEvery { get; init; }
    public double SaveEveryMinutes { get; init; }
    public int EvalEvery { get; init; }
    /// <summary>Held-out text for <see cref="EvalEvery"/>; null: WikiText-2's validation split.</summary>
    public string? EvalCorpus { get; init; }
    /// <summary>Also say why <c>--device auto</c> chose its backend.</summary>
    public bool Verbose { get; init; }
    /// <summary>The options that rebuild this run on resume (the CLI's run-defining options as given), kept in the
    /// checkpoint; the seed, topology and data paths are added to them.</summary>
    public IReadOnlyDictionary<string, string> RunOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>Pairs of one optimizer step: <see cref="ReplicaOptions.Accumulate"/> micro-batches.</summary>
    public int StepPairs => Parallel.StepPairs(MicroBatch);

    /// <summary>The checks that need no data, made before anything slow: one line for what cannot work.</summary>
    public void Check()
    {
        if (Steps is < 1 or > 10_000_000) throw new InvalidOptionsException($"--steps {Steps}: use 1 to 10,000,000");
        if (MicroBatch < 1) throw new InvalidOptionsException($"--batch {MicroBatch}: use at least 1");
        _ = StepPairs;
        if (EvalEvery > 0 && Corpus != null && EvalCorpus == null)
            throw new InvalidOptionsException("--eval-every with --corpus needs --eval-corpus PATH: held-out text in the same format");
        (Init?.Config ?? Model with { VocabSize = BertConfig.BookVocabularySize }).ValidatedOptions(MaxLen);
    }
}

/// <summary>A run to continue: its folder and the options it saved.</summary>
public sealed record ResumePoint(string Folder, IReadOnlyDictionary<string, string> SavedOptions);
