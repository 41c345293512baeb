namespace BertNative.Model.Data;

/// <summary>
/// Host staging for one mini-batch: the rows of the chosen examples copied into contiguous arrays,
/// so each field goes to the device in one copy. Allocated once for the largest batch.
/// </summary>
public sealed class Batch
{
    public Batch(int capacity, int maxLen, int predictionSlots)
    {
        Capacity = capacity;
        MaxLen = maxLen;
        PredictionSlots = predictionSlots;
        TokenIds = new int[capacity * maxLen];
        Segments = new int[capacity * maxLen];
        ValidLens = new int[capacity];
        PredPositions = new int[capacity * predictionSlots];
        MlmWeights = new float[capacity * predictionSlots];
        MlmLabels = new int[capacity * predictionSlots];
        NspLabels = new int[capacity];
    }

    public int Capacity { get; }
    public int MaxLen { get; }
    public int PredictionSlots { get; }
    /// <summary>How many examples the batch holds now (&lt;= Capacity).</summary>
    public int Size { get; private set; }

    public int[] TokenIds { get; }
    public int[] Segments { get; }
    public int[] ValidLens { get; }
    public int[] PredPositions { get; }
    public float[] MlmWeights { get; }
    public int[] MlmLabels { get; }
    public int[] NspLabels { get; }

    /// <summary>Sum of the MLM weights: the number of real prediction slots.</summary>
    public float MlmWeightSum { get; private set; }

    /// <summary>This batch = examples [first, first + count) of another batch of the same shapes.</summary>
    public void FillFrom(Batch source, int first, int count)
    {
        if (count > Capacity) throw new ArgumentException($"a part of {count} exceeds capacity {Capacity}");
        if (source.MaxLen != MaxLen || source.PredictionSlots != PredictionSlots) throw new ArgumentException("the batches have different shapes");
        if (first < 0 || first + count > source.Size) throw new ArgumentOutOfRangeException(nameof(first), $"examples [{first}, {first + count}) of a batch of {source.Size}");
        int T = MaxLen, P = PredictionSlots;
        source.TokenIds.AsSpan(first * T, count * T).CopyTo(TokenIds);
        source.Segments.AsSpan(first * T, count * T).CopyTo(Segments);
        source.PredPositions.AsSpan(first * P, count * P).CopyTo(PredPositions);
        source.MlmWeights.AsSpan(first * P, count * P).CopyTo(MlmWeights);
        source.MlmLabels.AsSpan(first * P, count * P).CopyTo(MlmLabels);
        source.ValidLens.AsSpan(first, count).CopyTo(ValidLens);
        source.NspLabels.AsSpan(first, count).CopyTo(NspLabels);
        Size = count;
        MlmWeightSum = SumOfWeights();
    }

    public void Fill(PretrainingExamples examples, ReadOnlySpan<int> indices)
    {
        if (indices.Length > Capacity) throw new ArgumentException($"batch of {indices.Length} exceeds capacity {Capacity}");
        if (examples.MaxLen != MaxLen) throw new ArgumentException("examples were built for another max_len");
        int T = MaxLen, P = PredictionSlots;
        for (int r = 0; r < indices.Length; r++)
        {
            int e = indices[r];
            examples.TokenIds.AsSpan(e * T, T).CopyTo(TokenIds.AsSpan(r * T));
            examples.Segments.AsSpan(e * T, T).CopyTo(Segments.AsSpan(r * T));
            examples.PredPositions.AsSpan(e * P, P).CopyTo(PredPositions.AsSpan(r * P));
            examples.MlmWeights.AsSpan(e * P, P).CopyTo(MlmWeights.AsSpan(r * P));
            examples.MlmLabels.AsSpan(e * P, P).CopyTo(MlmLabels.AsSpan(r * P));
            ValidLens[r] = examples.ValidLens[e];
            NspLabels[r] = examples.NspLabels[e];
        }
        Size = indices.Length;
        MlmWeightSum = SumOfWeights();
    }

    /// <summary>The MLM weights of the filled examples added in order.</summary>
    private float SumOfWeights()
    {
        float sum = 0;
        foreach (float w in MlmWeights.AsSpan(0, Size * PredictionSlots)) sum += w;
        return sum;
    }
}
