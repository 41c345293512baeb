using BertNative.Model.Data;

namespace BertNative.Model.Tokenization;

/// <summary>Lays out [CLS] a [SEP] (b [SEP]) with token types 0 then 1, truncating the longer side first.</summary>
internal static class PairBuilder
{
    public static TokenizedText Build(Vocabulary vocabulary, List<int> a, List<int>? b, int maxLength)
    {
        int specials = b == null ? 2 : 3;
        if (maxLength < specials + 1) throw new ArgumentOutOfRangeException(nameof(maxLength), $"a length of {maxLength} cannot hold the special tokens and one more");
        var (keepA, keepB) = Budget(a.Count, b?.Count ?? 0, maxLength - specials);
        bool truncated = keepA < a.Count || (b != null && keepB < b.Count);
        var ids = new List<int>(keepA + keepB + specials) { vocabulary.Special.Cls };
        ids.AddRange(a.Take(keepA));
        ids.Add(vocabulary.Special.Sep);
        int firstLength = ids.Count;
        if (b != null)
        {
            ids.AddRange(b.Take(keepB));
            ids.Add(vocabulary.Special.Sep);
        }
        int[] segments = [.. Enumerable.Range(0, ids.Count).Select(i => i < firstLength ? 0 : 1)];
        return new TokenizedText([.. ids.Select(i => vocabulary[i])], [.. ids], segments) { Truncated = truncated };
    }

    /// <summary>How many tokens of each side fit in <paramref name="budget"/>: the shorter side keeps its length when the longer one
    /// can give way; when both are long, each gets half (the second the odd one). This is the "longest first" rule of BERT's fast tokenizers.</summary>
    internal static (int A, int B) Budget(int a, int b, int budget)
    {
        if (a + b <= budget) return (a, b);
        bool swapped = a > b;
        int shorter = Math.Min(a, b), longer;
        longer = shorter > budget ? shorter : Math.Max(shorter, budget - shorter);
        if (shorter + longer > budget) { shorter = budget / 2; longer = shorter + budget % 2; }
        return swapped ? (Math.Min(a, longer), Math.Min(b, shorter)) : (Math.Min(a, shorter), Math.Min(b, longer));
    }
}
