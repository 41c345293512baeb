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

    /// <summary>Whether attention reads <see cref="KeyMask"/> (set by <see cref="MaskKeys"/>; filling a batch clears it).</summary>
    public bool MasksKeys { get; private set; }

    /// <summary>Hugging Face's attention_mask of the filled examples, [Size, MaxLen]: keys with 0 are not attended to,
    /// whatever their place (left padding, holes). Empty unless <see cref="MasksKeys"/>; the valid lengths still bound
    /// which tokens are computed at all.</summary>
    public ReadOnlySpan<int> KeyMask => MasksKeys ? _keyMask.AsSpan(0, Size * MaxLen) : default;
    private int[]? _keyMask;

    /// <summary>Masks keys of the filled examples: <paramref name="mask"/> is [Size, MaxLen] of 0 and 1, and every example
    /// keeps at least one key below its valid length.</summary>
    public void MaskKeys(ReadOnlySpan<int> mask)
    {
        int T = MaxLen;
        if (mask.Length != Size * T) throw new ArgumentException($"an attention mask of {mask.Length} values for {Size} examples of {T} tokens");
        for (int b = 0; b < Size; b++)
        {
            var keys = mask.Slice(b * T, ValidLens[b]);
            if (mask.Slice(b * T, T).ContainsAnyExcept(0, 1))
                throw new ArgumentException($"the attention mask of example {b} holds a value other than 0 and 1");
            if (!keys.Contains(1))
                throw new ArgumentException($"the attention mask of example {b} masks every token; leave it at least one to attend to");
        }
        _keyMask ??= new int[Capacity * T];
        mask.CopyTo(_keyMask);
        MasksKeys = true;
    }

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
        MasksKeys = false;
        if (source.MasksKeys) MaskKeys(source.KeyMask.Slice(first * T, count * T));
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
        MasksKeys = false;
    }

    /// <summary>The MLM weights of the filled examples added in order.</summary>
    private float SumOfWeights()
    {
        float sum = 0;
        foreach (float w in MlmWeights.AsSpan(0, Size * PredictionSlots)) sum += w;
        return sum;
    }
}
