using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// WikiText as paragraphs of sentences of token ids (docs/model-spec.md §1), stored flat: sentence s is
/// <c>Tokens[SentenceStarts[s] .. SentenceStarts[s+1])</c> and paragraph p is sentences
/// <c>[ParagraphStarts[p] .. ParagraphStarts[p+1])</c>, in file order (the example builder shuffles).
/// </summary>
public sealed class Corpus
{
    private Corpus(Vocabulary vocabulary, int[] tokens, int[] sentenceStarts, int[] paragraphStarts, bool[]? wordStarts = null)
    {
        Vocabulary = vocabulary;
        Tokens = tokens;
        SentenceStarts = sentenceStarts;
        ParagraphStarts = paragraphStarts;
        WordStarts = wordStarts;
    }

    /// <summary>With a WordPiece vocabulary, whether each token begins a word of the text (the others are its "##" pieces),
    /// so masking can take whole words; null for the book's vocabulary, where every token is a word.</summary>
    public bool[]? WordStarts { get; }

    public Vocabulary Vocabulary { get; }
    public int[] Tokens { get; }
    public int[] SentenceStarts { get; }
    public int[] ParagraphStarts { get; }

    public int ParagraphCount => ParagraphStarts.Length - 1;

    /// <summary>The share of the text's tokens that the vocabulary maps to &lt;unk&gt;.</summary>
    public double UnknownShare => Tokens.Length == 0 ? 0 : Tokens.Count(t => t == Vocabulary.UnkId) / (double)Tokens.Length;
    public int SentenceCount => SentenceStarts.Length - 1;

    public ReadOnlySpan<int> Sentence(int s) => Tokens.AsSpan(SentenceStarts[s], SentenceStarts[s + 1] - SentenceStarts[s]);
    public int SentenceLength(int s) => SentenceStarts[s + 1] - SentenceStarts[s];

    /// <summary>Reads a WikiText .tokens file; the vocabulary is built from this file (tokens seen at least
    /// <paramref name="minFrequency"/> times) unless one is given.</summary>
    public static Corpus Read(string tokensFile, Vocabulary? vocabulary = null, int minFrequency = Vocabulary.DefaultMinFrequency)
        => Parse(ReadText(tokensFile), vocabulary, minFrequency);

    /// <summary>The text of a corpus file, checked to be text.</summary>
    public static string ReadText(string tokensFile)
    {
        bool wikiText = Path.GetFileName(tokensFile).StartsWith("wiki.", StringComparison.Ordinal);
        if (Directory.Exists(tokensFile))
            throw new BertNativeException($"{tokensFile} is a folder; pass a text file");
        if (!File.Exists(tokensFile))
            throw new BertNativeException(wikiText ? $"{tokensFile} does not exist; pass --data a folder holding WikiText-2 ({Path.GetFileName(tokensFile)})"
                : $"{tokensFile} does not exist; check the path");
        string text;
        try { text = File.ReadAllText(tokensFile); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"cannot read {tokensFile}: {e.Message}", e); }
        if (text.Contains('\0'))
            throw new BertNativeException(wikiText ? $"{tokensFile} is not a text file (it holds NUL bytes); re-download it, or pass --data a good copy"
                : $"{tokensFile} is not a text file (it holds NUL bytes); pass a text file in WikiText's format (one paragraph per line, sentences separated by \" . \")");
        return text;
    }

    /// <summary>Parses WikiText content (see <see cref="Read"/>).</summary>
    public static Corpus Parse(string text, Vocabulary? vocabulary = null, int minFrequency = Vocabulary.DefaultMinFrequency)
    {
        var words = new WordTable();
        var rawTokens = new List<int>(text.Length / 5);
        var sentenceStarts = new List<int> { 0 };
        var paragraphStarts = new List<int> { 0 };
        bool lowerCase = vocabulary?.Tokenizer.LowerCase ?? true; // a cased WordPiece model sees the text as written

        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            if (rawLine.IndexOf(" . ") < 0) continue; // the book keeps a line iff it has at least one " . "
            string line = lowerCase ? rawLine.Trim().ToString().ToLowerInvariant() : rawLine.Trim().ToString();
            ReadOnlySpan<char> rest = line;
            while (true)
            {
                int cut = rest.IndexOf(" . ");
                ReadOnlySpan<char> sentence = cut < 0 ? rest : rest[..cut];
                AddTokens(sentence, words, rawTokens);
                sentenceStarts.Add(rawTokens.Count);
                if (cut < 0) break;
                rest = rest[(cut + 3)..];
            }
            paragraphStarts.Add(sentenceStarts.Count - 1);
        }

        vocabulary ??= Vocabulary.FromCounts(words.Counts(), minFrequency);
        if (!vocabulary.Tokenizer.IsBook) return WordPieces(vocabulary, words, rawTokens, sentenceStarts, paragraphStarts);
        int[] wordToId = words.MapTo(vocabulary);
        int[] tokens = new int[rawTokens.Count];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = wordToId[rawTokens[i]];
        return new Corpus(vocabulary, tokens, [.. sentenceStarts], [.. paragraphStarts]);
    }

    /// <summary>The corpus with each word split into its WordPiece tokens (sentence bounds moved to match).</summary>
    private static Corpus WordPieces(Vocabulary vocabulary, WordTable words, List<int> rawTokens, List<int> sentenceStarts, List<int> paragraphStarts)
    {
        var tokenizer = new Tokenization.WordPieceTokenizer(vocabulary);
        int[][] pieces = [.. words.Words.Select(w => tokenizer.Ids(w) is { Count: > 0 } ids ? ids.ToArray() : new[] { vocabulary.Special.Unk })];
        var tokens = new List<int>(rawTokens.Count * 5 / 4);
        var starts = new List<bool>(rawTokens.Count * 5 / 4);
        var expandedStart = new int[rawTokens.Count + 1];
        for (int i = 0; i < rawTokens.Count; i++)
        {
            expandedStart[i] = tokens.Count;
            var word = pieces[rawTokens[i]];
            tokens.AddRange(word);
            for (int k = 0; k < word.Length; k++) starts.Add(k == 0);
        }
        expandedStart[rawTokens.Count] = tokens.Count;
        return new Corpus(vocabulary, [.. tokens], [.. sentenceStarts.Select(s => expandedStart[s])], [.. paragraphStarts], [.. starts]);
    }

    private static void AddTokens(ReadOnlySpan<char> sentence, WordTable words, List<int> output)
    {
        int i = 0;
        while (i < sentence.Length)
        {
            while (i < sentence.Length && IsSeparator(sentence[i])) i++;
            int start = i;
            while (i < sentence.Length && !IsSeparator(sentence[i])) i++;
            if (i > start) output.Add(words.Intern(sentence[start..i]));
        }
    }

    // Python's str.split() also splits on the information separators U+001C..U+001F.
    private static bool IsSeparator(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>Distinct words with their counts, looked up by span so no string is allocated per token.</summary>
    private sealed class WordTable
    {
        private readonly Dictionary<string, int> _index;
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
        private readonly List<string> _words = [];
        private readonly List<int> _counts = [];

        public WordTable()
        {
            _index = new Dictionary<string, int>(StringComparer.Ordinal);
            _bySpan = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public int Intern(ReadOnlySpan<char> word)
        {
            if (!_bySpan.TryGetValue(word, out int id))
            {
                id = _words.Count;
                string s = word.ToString();
                _index.Add(s, id);
                _words.Add(s);
                _counts.Add(0);
            }
            _counts[id]++;
            return id;
        }

        public IEnumerable<KeyValuePair<string, int>> Counts() => _words.Select((w, i) => KeyValuePair.Create(w, _counts[i]));

        public int[] MapTo(Vocabulary vocabulary) => [.. _words.Select(vocabulary.IdOf)];

        public IReadOnlyList<string> Words => _words;
    }
}
