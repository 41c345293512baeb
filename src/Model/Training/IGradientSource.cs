using BertNative.Model.Data;

namespace BertNative.Model.Training;

/// <summary>
/// The gradients and losses of one global batch: the one place the training loop computes them, so that a
/// data-parallel source (replicas + all-reduce) can stand in for the single model. After <see cref="Compute"/>,
/// the model's gradient buffer holds the batch's gradients, ready for the optimizer.
/// </summary>
public interface IGradientSource
{
    void Compute(Batch batch, int step);

    /// <summary>The (MLM, NSP) losses of the last batch; waits for the device.</summary>
    (float Mlm, float Nsp) ReadLosses();
}

/// <summary>One model on one device.</summary>
public sealed class SingleModelGradients(BertModel model, ulong seed) : IGradientSource
{
    public void Compute(Batch batch, int step) => model.ComputeGradients(batch, step, seed);

    public (float Mlm, float Nsp) ReadLosses() => model.ReadLosses();
}
