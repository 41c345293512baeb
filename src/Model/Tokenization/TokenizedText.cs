namespace BertNative.Model.Tokenization;

/// <summary>What the model is fed for one input: [CLS] a [SEP] (b [SEP]), as tokens, ids and token types (segments).</summary>
public sealed record TokenizedText(string[] Tokens, int[] Ids, int[] Segments)
{
    public int Length => Ids.Length;

    /// <summary>True when the input was cut to fit the model's length.</summary>
    public bool Truncated { get; init; }
}
