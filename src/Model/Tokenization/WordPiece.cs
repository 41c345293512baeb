using System.Text;

namespace BertNative.Model.Tokenization;

/// <summary>
/// WordPiece: splits a word into the longest vocabulary entry that starts it, then the longest
/// "##"-prefixed entry that continues it, and so on. A word with a part no entry matches, or longer
/// than <see cref="MaxWordLength"/> characters, becomes the unknown token as a whole.
/// </summary>
public sealed class WordPiece(BertNative.Model.Data.Vocabulary vocabulary, int unknownId)
{
    /// <summary>BERT's limit, in characters (code points).</summary>
    public const int MaxWordLength = 100;

    public const string ContinuationPrefix = "##";

    /// <summary>Appends the ids of <paramref name="word"/>'s pieces.</summary>
    public void Split(string word, List<int> into)
    {
        var runes = word.EnumerateRunes().Select(r => r.ToString()).ToArray();
        if (runes.Length > MaxWordLength) { into.Add(unknownId); return; }
        int before = into.Count, start = 0;
        var candidate = new StringBuilder();
        while (start < runes.Length)
        {
            int found = -1, end = runes.Length;
            for (; end > start; end--)
            {
                candidate.Clear();
                if (start > 0) candidate.Append(ContinuationPrefix);
                for (int i = start; i < end; i++) candidate.Append(runes[i]);
                if (vocabulary.TryGetId(candidate.ToString(), out found)) break;
            }
            if (end == start)
            {
                into.RemoveRange(before, into.Count - before);
                into.Add(unknownId);
                return;
            }
            into.Add(found);
            start = end;
        }
    }
}
