using BertNative.Model.Data;

namespace BertNative.Model.Tokenization;

/// <summary>The book's tokenizer: lower-cased words split on white space, one token each (unknown words map to &lt;unk&gt;).
/// The tokens keep the typed word, so a caller can show what an &lt;unk&gt; stood for.</summary>
public sealed class BookTokenizer(Vocabulary vocabulary) : ITextTokenizer
{
    public TokenizedText Encode(string first, string? second, int maxLength)
    {
        string[] a = Words(first), b = second == null ? [] : Words(second);
        var ids = PairBuilder.Build(vocabulary, [.. a.Select(vocabulary.IdOf)], second == null ? null : [.. b.Select(vocabulary.IdOf)], maxLength);
        // The typed words in place of the vocabulary's spelling, for the tokens that are words.
        var tokens = ids.Tokens.ToArray();
        int keptA = Array.IndexOf(tokens, vocabulary.SpecialNames.Sep, 1) - 1;
        for (int i = 0; i < keptA; i++) tokens[1 + i] = a[i];
        for (int i = 0; second != null && i < tokens.Length - keptA - 3; i++) tokens[keptA + 2 + i] = b[i];
        return ids with { Tokens = tokens };
    }

    public static string[] Words(string text) => text.Trim().ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
