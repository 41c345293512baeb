namespace BertNative.Model;

/// <summary>
/// Where a batch sits inside the global batch of one optimizer step, when that step is split into parts
/// (data-parallel shards, accumulated micro-batches). A part's losses are normalised by the global counts, so
/// the parts' gradients add up to the whole batch's gradient; its dropout masks are keyed by global example and
/// token indices, so the parts draw exactly the masks one device draws for the whole batch.
/// </summary>
/// <param name="FirstExample">Index of the part's first example in the global batch.</param>
/// <param name="FirstToken">Valid tokens of the global batch before the part (its first packed row).</param>
/// <param name="GlobalPairs">Examples in the global batch (NSP's mean).</param>
/// <param name="GlobalPredictions">Real prediction slots in the global batch (the intended MLM loss's mean).</param>
public readonly record struct BatchShare(int FirstExample, long FirstToken, int GlobalPairs, int GlobalPredictions)
{
    /// <summary>The batch is the whole step.</summary>
    public static BatchShare Whole(Data.Batch batch) => new(0, 0, batch.Size, RealPredictions(batch));

    /// <summary>The real (weight > 0) prediction slots of a batch, counted exactly (a float sum of the weights is not,
    /// past 2^24 slots).</summary>
    public static int RealPredictions(Data.Batch batch)
    {
        int n = 0;
        foreach (float w in batch.MlmWeights.AsSpan(0, batch.Size * batch.PredictionSlots)) if (w != 0f) n++;
        return n;
    }
}
