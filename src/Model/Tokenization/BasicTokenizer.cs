using System.Globalization;
using System.Text;

namespace BertNative.Model.Tokenization;

/// <summary>
/// BERT's pre-tokenizer: drops NUL, U+FFFD and control characters, treats every kind of space as a
/// separator, puts each CJK ideograph in a word of its own, optionally lower-cases and strips accents,
/// and splits punctuation (ASCII symbols such as $ and ^ count, as in BERT) into words of their own.
/// Emoji and other symbols stay inside their word.
/// </summary>
public sealed class BasicTokenizer(bool lowerCase, bool stripAccents)
{
    public List<string> Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        void EndWord()
        {
            if (word.Length > 0) words.Add(word.ToString());
            word.Clear();
        }
        foreach (var raw in text.EnumerateRunes())
        {
            if (IsSpace(raw)) { EndWord(); continue; }
            if (raw.Value is 0 or 0xFFFD || IsControl(raw)) continue;
            if (IsCjk(raw.Value)) { EndWord(); word.Append(raw.ToString()); EndWord(); continue; }
            foreach (var rune in Normalized(raw))
            {
                if (IsPunctuation(rune)) { EndWord(); word.Append(rune.ToString()); EndWord(); }
                else word.Append(rune.ToString());
            }
        }
        EndWord();
        return words;
    }

    private readonly StringBuilder _scratch = new();

    /// <summary>The rune lower-cased and without accents (as configured): zero, one or more runes.</summary>
    private IEnumerable<Rune> Normalized(Rune rune)
    {
        if (lowerCase) rune = LowerCase(rune);
        if (!stripAccents) return [rune];
        _scratch.Clear();
        AccentFolding.Append(rune, _scratch);
        return _scratch.ToString().EnumerateRunes().ToArray();
    }

    /// <summary>Lower case as Python's str.lower: U+0130 (I with dot) is the one letter whose lower case is two characters.</summary>
    private static Rune LowerCase(Rune rune) => rune.Value == 0x130 ? new Rune('i') : Rune.ToLowerInvariant(rune);

    private static bool IsSpace(Rune r) => r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune r) => r.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(r) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    public static bool IsPunctuation(Rune r)
    {
        int c = r.Value;
        if (c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK Unified Ideograph blocks BERT treats as words of one character (not Hangul, kana or CJK punctuation).</summary>
    public static bool IsCjk(int c) =>
        c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
          or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
