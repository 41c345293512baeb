using System.Globalization;
using System.Text;

namespace BertNative.Model.Tokenization;

/// <summary>
/// Removes accents as BERT's uncased tokenizers do: canonical decomposition (NFD), then every nonspacing
/// mark (category Mn) dropped, so "Ångström" becomes "Angstrom" and a Hangul syllable its jamo. With
/// InvariantGlobalization, string.Normalize cannot decompose, so the decompositions come from
/// accent-folding.txt (generated from Python's unicodedata by make-accent-folding.py) and Hangul's arithmetic.
/// </summary>
public static class AccentFolding
{
    private static readonly Lazy<Dictionary<int, string>> Table = new(LoadTable);

    /// <summary>Appends <paramref name="rune"/> without its accents to <paramref name="into"/>.</summary>
    public static void Append(Rune rune, StringBuilder into)
    {
        if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.NonSpacingMark) return;
        int cp = rune.Value;
        if (cp is >= HangulFirst and <= HangulLast) { AppendHangul(cp, into); return; }
        if (Table.Value.TryGetValue(cp, out string? folded)) into.Append(folded);
        else into.Append(rune.ToString());
    }

    public static string Fold(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) Append(rune, sb);
        return sb.ToString();
    }

    private const int HangulFirst = 0xAC00, HangulLast = 0xD7A3, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;

    /// <summary>Unicode's algorithmic decomposition of a precomposed Hangul syllable into leading, vowel and trailing jamo.</summary>
    private static void AppendHangul(int cp, StringBuilder into)
    {
        int index = cp - HangulFirst;
        into.Append((char)(LeadBase + index / (21 * 28)));
        into.Append((char)(VowelBase + index % (21 * 28) / 28));
        if (index % 28 != 0) into.Append((char)(TrailBase + index % 28));
    }

    private static Dictionary<int, string> LoadTable()
    {
        using var stream = typeof(AccentFolding).Assembly.GetManifestResourceStream("BertNative.Model.Tokenization.accent-folding.txt")
            ?? throw new InvalidOperationException("accent-folding.txt is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#') || line.Length == 0) continue;
            var parts = line.Split(' ');
            var folded = new StringBuilder();
            foreach (var hex in parts.Skip(1)) folded.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            table[int.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = folded.ToString();
        }
        return table;
    }
}
