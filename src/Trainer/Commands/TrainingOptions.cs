using BertNative.Contract;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>pretrain's optimizer, data and run-folder options, and which options define a run (a resumed run takes
/// them from its checkpoint).</summary>
public static class TrainingOptions
{
    public static readonly OptionSpec Batch = OptionSpec.Value("batch", "N", "512", "sentence pairs per step");
    public static readonly OptionSpec Lr = OptionSpec.Value("lr", "X", "0.01", "peak learning rate of AdamW");
    public static readonly OptionSpec Schedule = OptionSpec.Value("schedule", "constant|linear", "constant",
        "learning rate: constant (the book), or linear warmup then linear decay over the rest of --steps (BERT)");
    public static readonly OptionSpec Warmup = OptionSpec.Value("warmup", "N", "0", "steps of linear warmup from 0 to --lr");
    public static readonly OptionSpec WeightDecay = OptionSpec.Value("weight-decay", "X", "0", "AdamW's decoupled weight decay (not on biases and LayerNorm); 0: plain Adam, as the book");
    public static readonly OptionSpec Clip = OptionSpec.Value("clip", "X", "0", "clip the gradients' global norm to X (0: off)");
    public static readonly OptionSpec Corpus = OptionSpec.Value("corpus", "PATH", null,
        "train on your own text instead of WikiText-2: a file, or a folder of .txt files; one paragraph per line, sentences separated by \" . \"");
    public static readonly OptionSpec MinFreq = OptionSpec.Value("min-freq", "N", "5", "vocabulary: tokens seen at least N times (the rest are <unk>)");
    public static readonly OptionSpec Init = OptionSpec.Value("init", "DIR", null,
        "continued pretraining: start from this checkpoint's weights, shape and vocabulary (e.g. one 'import' wrote; WordPiece text is masked by whole words)");
    public static readonly OptionSpec BookPyTorch = OptionSpec.Flag("book-pytorch", "reproduce the book's PyTorch defects: unweighted MLM mean over padding, frozen positions");

    /// <summary>The options that define a run: kept in its checkpoint and refused with another value on --resume.
    /// Where the data is (--data, --corpus) may change, since a moved copy is the same data: the fingerprint checks it.</summary>
    public static readonly OptionSpec[] RunDefining =
        [Batch, ParallelOptions.Accumulate, DataOptions.MaxLen, .. ModelOptions.All, Lr, Schedule, Warmup, WeightDecay, Clip, DataOptions.Seed, MinFreq, BookPyTorch, Init];

    public static OptimizerSettings Read(ParsedOptions o, int steps)
    {
        var schedule = o.Choice("schedule", "constant", "linear") == "linear" ? ScheduleKind.Linear : ScheduleKind.Constant;
        int warmup = o.Int("warmup", 0, 10_000_000);
        if (schedule == ScheduleKind.Linear && warmup >= steps)
            throw new InvalidOptionsException($"--warmup {warmup} leaves no step to decay in a run of --steps {steps}; use a warmup below --steps");
        return new OptimizerSettings(o.Float("lr", 1e-12f, 100f), schedule, warmup, o.Float("weight-decay", 0f, 1f), o.Float("clip", 0f, 1e9f));
    }
}
