namespace BertNative.Model.Training;

/// <summary>How to train: the book's run is 50 steps of 512 pairs with Adam lr 0.01. <see cref="Steps"/> is the
/// run's total, also when it is resumed. <see cref="StepPairs"/> are the sentence pairs of one optimizer step, over all
/// replicas and micro-batches (--batch x --accumulate); a micro-batch is what one forward pass holds (--batch).</summary>
public sealed record PretrainSettings(int Steps, int StepPairs, OptimizerSettings Optimizer, ulong Seed, LossMode LossMode);

/// <summary>What one training step did. Seconds covers upload, forward, backward, the optimizer and the sync.
/// GradientNorm is the norm before clipping (NaN when --clip is off).</summary>
public sealed record StepResult(int Step, int Epoch, float Mlm, float Nsp, double Seconds, int Pairs, float LearningRate = float.NaN,
    float GradientNorm = float.NaN);

/// <summary>The book's two printed results: mean per-step losses and pairs per second of the timed steps.</summary>
public sealed record PretrainResult(IReadOnlyList<StepResult> Steps)
{
    public double MeanMlm => Steps.Average(s => s.Mlm);
    public double MeanNsp => Steps.Average(s => s.Nsp);
    public double PairsPerSecond => Steps.Sum(s => s.Pairs) / Steps.Sum(s => s.Seconds);

    /// <summary>Pairs per second without the first step (JIT, first-touch of buffers, library warm-up).</summary>
    public double SteadyPairsPerSecond => Steps.Count < 2 ? PairsPerSecond : Steps.Skip(1).Sum(s => s.Pairs) / Steps.Skip(1).Sum(s => s.Seconds);
}
