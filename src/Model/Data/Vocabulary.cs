using BertNative.Model.Tokenization;

namespace BertNative.Model.Data;

/// <summary>
/// Token &lt;-&gt; id map. The book's (docs/model-spec.md §1): &lt;unk&gt; = 0, then the reserved tokens, then every token seen at least
/// <see cref="DefaultMinFrequency"/> times in descending count. Ties are broken by ordinal string order,
/// so the vocabulary does not depend on the paragraph shuffle. Unknown strings map to the unknown token.
/// A WordPiece vocabulary (an imported BERT's vocab.txt) has its special tokens ([UNK], [CLS], ...) wherever
/// the file puts them: code that needs a special id asks <see cref="Special"/>.
/// </summary>
public sealed class Vocabulary
{
    public const int DefaultMinFrequency = 5;
    public const string Unk = "<unk>", Pad = "<pad>", Mask = "<mask>", Cls = "<cls>", Sep = "<sep>";
    public const int UnkId = 0, PadId = 1, MaskId = 2, ClsId = 3, SepId = 4;
    public static readonly string[] Reserved = [Unk, Pad, Mask, Cls, Sep];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    public Vocabulary(IReadOnlyList<string> tokensInIdOrder) : this(tokensInIdOrder, TokenizerSettings.Book) { }

    public Vocabulary(IReadOnlyList<string> tokensInIdOrder, TokenizerSettings tokenizer)
    {
        Tokenizer = tokenizer;
        if (tokenizer.IsBook)
            for (int i = 0; i < Reserved.Length; i++)
                if (tokensInIdOrder.Count <= i || tokensInIdOrder[i] != Reserved[i])
                    throw new ArgumentException($"a vocabulary must start with {string.Join(' ', Reserved)}");
        _tokens = [.. tokensInIdOrder];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
            if (!_ids.TryAdd(_tokens[i], i))
                throw new ArgumentException($"token '{_tokens[i]}' appears twice in the vocabulary");
        SpecialNames = tokenizer.IsBook ? SpecialTokens.Book : SpecialTokens.WordPiece;
        int Find(string token) => _ids.TryGetValue(token, out int id) ? id
            : throw new ArgumentException($"the vocabulary has no {token} token, which a {tokenizer.Kind} tokenizer needs");
        Special = new SpecialIds(Find(SpecialNames.Unk), Find(SpecialNames.Pad), Find(SpecialNames.Mask), Find(SpecialNames.Cls), Find(SpecialNames.Sep));
    }

    public int Count => _tokens.Length;

    public string this[int id] => _tokens[id];

    /// <summary>How text becomes tokens of this vocabulary (saved in the checkpoint's config.json).</summary>
    public TokenizerSettings Tokenizer { get; }

    /// <summary>The special tokens' spellings and ids (for the book's vocabulary, ids 0 to 4).</summary>
    public SpecialTokens SpecialNames { get; }
    public SpecialIds Special { get; }

    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : Special.Unk;

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    public int[] IdsOf(IEnumerable<string> tokens) => [.. tokens.Select(IdOf)];

    /// <summary>Builds the vocabulary from token counts (any order): reserved first, then count &gt;= minFrequency, descending.</summary>
    public static Vocabulary FromCounts(IEnumerable<KeyValuePair<string, int>> counts, int minFrequency = DefaultMinFrequency)
    {
        var frequent = counts.Where(kv => kv.Value >= minFrequency && Array.IndexOf(Reserved, kv.Key) < 0).ToList();
        frequent.Sort((a, b) => a.Value != b.Value ? b.Value.CompareTo(a.Value) : string.CompareOrdinal(a.Key, b.Key));
        return new Vocabulary([.. Reserved, .. frequent.Select(kv => kv.Key)]);
    }

    /// <summary>vocab.txt: one token per line, line i = id i.</summary>
    public void Save(string path) => File.WriteAllLines(path, _tokens);

    public static Vocabulary Load(string path) => Load(path, TokenizerSettings.Book);

    public static Vocabulary Load(string path, TokenizerSettings tokenizer)
    {
        if (!File.Exists(path)) throw new BertNative.Contract.BertNativeException($"vocabulary file {path} is missing; point at a checkpoint folder written by 'pretrain' or 'import'");
        try { return new Vocabulary(File.ReadAllLines(path), tokenizer); }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        { throw new BertNative.Contract.BertNativeException($"vocabulary file {path} is damaged ({e.Message}); restore the checkpoint from a copy", e); }
    }
}

/// <summary>The ids of the five special tokens.</summary>
public sealed record SpecialIds(int Unk, int Pad, int Mask, int Cls, int Sep);

/// <summary>The spellings of the five special tokens.</summary>
public sealed record SpecialTokens(string Unk, string Pad, string Mask, string Cls, string Sep)
{
    public static readonly SpecialTokens Book = new(Vocabulary.Unk, Vocabulary.Pad, Vocabulary.Mask, Vocabulary.Cls, Vocabulary.Sep);
    public static readonly SpecialTokens WordPiece = new("[UNK]", "[PAD]", "[MASK]", "[CLS]", "[SEP]");

    public IEnumerable<string> All => [Unk, Pad, Mask, Cls, Sep];
}
