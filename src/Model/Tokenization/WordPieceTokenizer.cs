using BertNative.Model.Data;

namespace BertNative.Model.Tokenization;

/// <summary>
/// BERT's tokenizer over a WordPiece vocabulary: special tokens typed in the text ("[MASK]") are kept
/// whole, the rest goes through <see cref="BasicTokenizer"/> (casing and accents as the model's
/// settings say) and <see cref="WordPiece"/>.
/// </summary>
/// <remarks>
/// Written here rather than taken from a library: FastBertTokenizer and Microsoft.ML.Tokenizers both
/// strip accents through string.Normalize, which does nothing under InvariantGlobalization (so "café"
/// became [UNK]), and Microsoft.ML.Tokenizers also dropped symbols and emoji. docs/tokenizer.md has the measurement.
/// </remarks>
public sealed class WordPieceTokenizer : ITextTokenizer
{
    private readonly Vocabulary _vocabulary;
    private readonly BasicTokenizer _basic;
    private readonly WordPiece _wordPiece;
    private readonly string[] _specials;

    public WordPieceTokenizer(Vocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        _basic = new BasicTokenizer(vocabulary.Tokenizer.LowerCase, vocabulary.Tokenizer.StripAccents);
        _wordPiece = new WordPiece(vocabulary, vocabulary.Special.Unk);
        _specials = [.. vocabulary.SpecialNames.All];
    }

    public TokenizedText Encode(string first, string? second, int maxLength) =>
        PairBuilder.Build(_vocabulary, Ids(first), second == null ? null : Ids(second), maxLength);

    /// <summary>The text's token ids, without [CLS] and [SEP] around them.</summary>
    public List<int> Ids(string text)
    {
        var ids = new List<int>();
        int start = 0;
        while (start < text.Length)
        {
            var (at, special) = NextSpecial(text, start);
            foreach (var word in _basic.Split(text[start..at])) _wordPiece.Split(word, ids);
            if (special == null) break;
            ids.Add(_vocabulary.IdOf(special));
            start = at + special.Length;
        }
        return ids;
    }

    /// <summary>The first special token spelled out in <paramref name="text"/> at or after <paramref name="start"/> (or the end).</summary>
    private (int At, string? Special) NextSpecial(string text, int start)
    {
        (int At, string? Special) first = (text.Length, null);
        foreach (var s in _specials)
        {
            int at = text.IndexOf(s, start, StringComparison.Ordinal);
            if (at >= 0 && at < first.At) first = (at, s);
        }
        return first;
    }
}
