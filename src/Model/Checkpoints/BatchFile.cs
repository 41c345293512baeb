using BertNative.Model.Data;

namespace BertNative.Model.Checkpoints;

/// <summary>K batches in one safetensors file (docs/checkpoint-format.md), so PyTorch can run exactly our batches.</summary>
public static class BatchFile
{
    public static void Write(string path, IReadOnlyList<Batch> batches)
    {
        if (batches.Count == 0) throw new ArgumentException("no batches to write");
        int K = batches.Count, B = batches[0].Size, T = batches[0].MaxLen, P = batches[0].PredictionSlots;
        if (batches.Any(b => b.Size != B || b.MaxLen != T)) throw new ArgumentException("all batches must have the same shape");
        int[] Ints(Func<Batch, int[]> field, int width) => [.. batches.SelectMany(b => field(b).Take(B * width))];
        SafeTensors.Write(path,
        [
            new("tokens", [K, B, T], Ints: Ints(b => b.TokenIds, T)),
            new("segments", [K, B, T], Ints: Ints(b => b.Segments, T)),
            new("valid_lens", [K, B], Ints: Ints(b => b.ValidLens, 1)),
            new("pred_positions", [K, B, P], Ints: Ints(b => b.PredPositions, P)),
            new("mlm_weights", [K, B, P], Floats: [.. batches.SelectMany(b => b.MlmWeights.Take(B * P))]),
            new("mlm_labels", [K, B, P], Ints: Ints(b => b.MlmLabels, P)),
            new("nsp_labels", [K, B], Ints: Ints(b => b.NspLabels, 1)),
        ]);
    }

    /// <summary>The batches a training run with this sampler seed would see, in order, except that an epoch's
    /// partial last batch is skipped (a file holds batches of one shape). Within the first epoch they are identical.</summary>
    public static List<Batch> Sample(PretrainingExamples examples, int batchSize, int count, ulong samplerSeed)
    {
        var sampler = new BatchSampler(examples.Count, batchSize, new SeededRandom(samplerSeed));
        var batches = new List<Batch>(count);
        for (int k = 0; k < count; k++)
        {
            var batch = new Batch(Math.Min(batchSize, examples.Count), examples.MaxLen, examples.PredictionSlots);
            var indices = sampler.Next();
            if (indices.Length != batch.Capacity) indices = sampler.Next();
            batch.Fill(examples, indices);
            batches.Add(batch);
        }
        return batches;
    }
}
