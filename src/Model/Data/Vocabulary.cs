namespace BertNative.Model.Data;

/// <summary>
/// Token &lt;-&gt; id map of spec §1: &lt;unk&gt; = 0, then the reserved tokens, then every token seen at least
/// <see cref="DefaultMinFrequency"/> times in descending count. Ties are broken by ordinal string order,
/// so the vocabulary does not depend on the paragraph shuffle. Unknown strings map to &lt;unk&gt;.
/// </summary>
public sealed class Vocabulary
{
    public const int DefaultMinFrequency = 5;
    public const string Unk = "<unk>", Pad = "<pad>", Mask = "<mask>", Cls = "<cls>", Sep = "<sep>";
    public const int UnkId = 0, PadId = 1, MaskId = 2, ClsId = 3, SepId = 4;
    public static readonly string[] Reserved = [Unk, Pad, Mask, Cls, Sep];

    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;

    public Vocabulary(IReadOnlyList<string> tokensInIdOrder)
    {
        for (int i = 0; i < Reserved.Length; i++)
            if (tokensInIdOrder.Count <= i || tokensInIdOrder[i] != Reserved[i])
                throw new ArgumentException($"a vocabulary must start with {string.Join(' ', Reserved)}");
        _tokens = [.. tokensInIdOrder];
        _ids = new Dictionary<string, int>(_tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < _tokens.Length; i++)
            if (!_ids.TryAdd(_tokens[i], i))
                throw new ArgumentException($"token '{_tokens[i]}' appears twice in the vocabulary");
    }

    public int Count => _tokens.Length;

    public string this[int id] => _tokens[id];

    public int IdOf(string token) => _ids.TryGetValue(token, out int id) ? id : UnkId;

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

    public static Vocabulary Load(string path)
    {
        if (!File.Exists(path)) throw new BertNative.Contract.BertNativeException($"vocabulary file {path} is missing; point at a checkpoint folder written by 'pretrain'");
        try { return new Vocabulary(File.ReadAllLines(path)); }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        { throw new BertNative.Contract.BertNativeException($"vocabulary file {path} is damaged ({e.Message}); restore the checkpoint from a copy", e); }
    }
}
