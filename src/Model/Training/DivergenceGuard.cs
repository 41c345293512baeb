using System.Globalization;
using BertNative.Contract;

namespace BertNative.Model.Training;

/// <summary>Training that has diverged: the step's update was not applied, so the weights are those of <see cref="LastGoodStep"/>.</summary>
public sealed class TrainingDivergedException(string message, int lastGoodStep) : BertNativeException(message)
{
    public int LastGoodStep { get; } = lastGoodStep;
}

/// <summary>
/// Stops a run whose loss became NaN or infinite, or grew to <see cref="Growth"/> times the run's first step (a learning
/// rate far too high: --lr 100 reaches an MLM loss of millions). The check runs on the global losses before the update,
/// so the weights kept are the last ones that trained normally.
/// </summary>
public sealed class DivergenceGuard(OptimizerSettings optimizer)
{
    public const float Growth = 10f;

    /// <summary>MLM + NSP of the run's first step (set from the metrics when a run is resumed).</summary>
    public float? Start { get; set; }

    public bool Accepts(float mlm, float nsp) =>
        float.IsFinite(mlm) && float.IsFinite(nsp) && (Start is not { } start || mlm + nsp <= Growth * start);

    public TrainingDivergedException Failure(int step, float mlm, float nsp)
    {
        var c = CultureInfo.InvariantCulture;
        string what = float.IsFinite(mlm) && float.IsFinite(nsp)
            ? string.Create(c, $"the loss grew to {(mlm + nsp) / Start:F0}x its first step's ({mlm:G4} MLM + {nsp:G4} NSP against {Start:G4})")
            : string.Create(c, $"the loss is not a number (MLM {mlm}, NSP {nsp})");
        string clip = optimizer.Clip > 0 ? string.Create(c, $"a lower --clip than {optimizer.Clip:G3}") : "--clip 1";
        return new TrainingDivergedException(
            string.Create(c, $"training diverged at step {step}: {what}; try --lr {optimizer.LearningRate / 10:G3} (now {optimizer.LearningRate:G3}) or {clip}"),
            step - 1);
    }
}
