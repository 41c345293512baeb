namespace BertNative.Model.Training;

public enum ScheduleKind { Constant, Linear }

/// <summary>AdamW with a learning-rate schedule and optional global-norm clipping. The book's run: lr 0.01,
/// constant, no weight decay, no clipping (<see cref="Clip"/> 0 = off).</summary>
public sealed record OptimizerSettings(float LearningRate, ScheduleKind Schedule = ScheduleKind.Constant, int Warmup = 0,
    float WeightDecay = 0f, float Clip = 0f)
{
    public static OptimizerSettings Constant(float learningRate) => new(learningRate);

    /// <summary>The learning rate of 1-based step <paramref name="step"/> of a <paramref name="totalSteps"/>-step run.
    /// Linear (BERT's): up from peak/W at step 1 to the peak at step W, then down by equal amounts to peak/(T-W) at the
    /// last step, so no step is wasted at 0. Constant: the peak, after the same warmup when one is set.</summary>
    public float LearningRateAt(int step, int totalSteps)
    {
        if (step <= Warmup) return (float)((double)LearningRate * step / Warmup);
        if (Schedule == ScheduleKind.Constant) return LearningRate;
        return (float)((double)LearningRate * (totalSteps + 1 - step) / (totalSteps - Warmup));
    }
}
