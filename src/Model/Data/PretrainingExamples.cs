namespace BertNative.Model.Data;

/// <summary>
/// The padded NSP/MLM examples of docs/model-spec.md §1 as flat row-major arrays, ready to upload in one copy
/// per field. Row i of a [Count, X] array is elements [i*X, (i+1)*X).
/// </summary>
public sealed class PretrainingExamples
{
    public required Vocabulary Vocabulary { get; init; }
    public required ulong Seed { get; init; }
    public required int Count { get; init; }
    public required int MaxLen { get; init; }
    /// <summary>P = round(0.15 * MaxLen) MLM slots per example.</summary>
    public required int PredictionSlots { get; init; }

    /// <summary>[Count, MaxLen], padded with &lt;pad&gt;.</summary>
    public required int[] TokenIds { get; init; }
    /// <summary>[Count, MaxLen], 0 for &lt;cls&gt; a &lt;sep&gt;, 1 for b &lt;sep&gt;, 0 for padding.</summary>
    public required int[] Segments { get; init; }
    /// <summary>[Count], the unpadded length.</summary>
    public required int[] ValidLens { get; init; }
    /// <summary>[Count, P], sorted, padded with 0.</summary>
    public required int[] PredPositions { get; init; }
    /// <summary>[Count, P], 1 for real slots, 0 for padding.</summary>
    public required float[] MlmWeights { get; init; }
    /// <summary>[Count, P], the original token ids, padded with 0.</summary>
    public required int[] MlmLabels { get; init; }
    /// <summary>[Count], 1 when b really follows a.</summary>
    public required int[] NspLabels { get; init; }

    public static int PredictionSlotsFor(int maxLen) => (int)Math.Round(0.15 * maxLen, MidpointRounding.ToEven);
}
