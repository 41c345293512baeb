namespace BertNative.Model;

/// <summary>One named tensor inside the whole-model buffer.</summary>
public sealed record TensorSlot(string Name, long Offset, int[] Shape)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A contiguous window of the gradient buffer whose gradients backward finishes together.</summary>
public sealed record GradientBucket(string Name, long Offset, long Count);

/// <summary>
/// Where every parameter lives in the one contiguous buffer (the same layout serves gradients and
/// Adam moments). Names are the book's PyTorch module names (docs/checkpoint-format.md). Within a
/// layer, W_q, W_k, W_v (and their biases) are adjacent so they form one [3H, H] QKV projection.
/// </summary>
public sealed class ParameterLayout
{
    private readonly List<TensorSlot> _slots = [];
    private readonly Dictionary<string, TensorSlot> _byName = [];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<BertConfig, ParameterLayout> Built = new();

    /// <summary>The layout of <paramref name="config"/>, built once per configuration and shared (it is immutable).</summary>
    public static ParameterLayout Of(BertConfig config) => Built.GetOrAdd(config, c => new ParameterLayout(c));

    private ParameterLayout(BertConfig c)
    {
        int V = c.VocabSize, H = c.Hidden, F = c.FfnHidden;
        Add("encoder.token_embedding.weight", V, H);
        Add("encoder.segment_embedding.weight", c.TypeVocabSize, H);
        Add("encoder.pos_embedding", 1, c.MaxPosition, H);
        if (c.EmbeddingLayerNorm)
        {
            Add("encoder.embedding_norm.weight", H);
            Add("encoder.embedding_norm.bias", H);
        }
        for (int i = 0; i < c.Layers; i++)
        {
            string b = $"encoder.blks.{i}.";
            foreach (var w in new[] { "W_q", "W_k", "W_v" }) Add($"{b}attention.{w}.weight", H, H);
            foreach (var w in new[] { "W_q", "W_k", "W_v" }) Add($"{b}attention.{w}.bias", H);
            Add($"{b}attention.W_o.weight", H, H);
            Add($"{b}attention.W_o.bias", H);
            Add($"{b}addnorm1.ln.weight", H);
            Add($"{b}addnorm1.ln.bias", H);
            Add($"{b}ffn.dense1.weight", F, H);
            Add($"{b}ffn.dense1.bias", F);
            Add($"{b}ffn.dense2.weight", H, F);
            Add($"{b}ffn.dense2.bias", H);
            Add($"{b}addnorm2.ln.weight", H);
            Add($"{b}addnorm2.ln.bias", H);
        }
        Add("hidden.0.weight", H, H);
        Add("hidden.0.bias", H);
        Add("mlm.mlp.0.weight", H, H);
        Add("mlm.mlp.0.bias", H);
        Add("mlm.mlp.2.weight", H);
        Add("mlm.mlp.2.bias", H);
        if (!c.TieDecoder) Add("mlm.mlp.3.weight", V, H); // tied: the decoder reads encoder.token_embedding.weight
        Add("mlm.mlp.3.bias", V);
        Add("nsp.output.weight", 2, H);
        Add("nsp.output.bias", 2);

        long headsStart = this["hidden.0.weight"].Offset;
        long LayerStart(int l) => l < c.Layers ? this[$"encoder.blks.{l}.attention.W_q.weight"].Offset : headsStart;
        var buckets = new List<GradientBucket> { new("heads", headsStart, TotalCount - headsStart) };
        for (int l = c.Layers - 1; l >= 0; l--) buckets.Add(new($"layer {l}", LayerStart(l), LayerStart(l + 1) - LayerStart(l)));
        buckets.Add(new("embeddings", 0, LayerStart(0)));
        BackwardBuckets = buckets;
    }

    /// <summary>Contiguous groups of parameters in the order backward finishes their gradients: the heads, the encoder
    /// layers from the last to the first, the embeddings. Together they cover the buffer once. A tied decoder adds to
    /// the token embedding's gradient in the heads' backward; that gradient is finished only with the embeddings.</summary>
    public IReadOnlyList<GradientBucket> BackwardBuckets { get; }

    public long TotalCount { get; private set; }
    public IReadOnlyList<TensorSlot> Slots => _slots;
    public TensorSlot this[string name] => _byName[name];
    public bool Contains(string name) => _byName.ContainsKey(name);

    private void Add(string name, params int[] shape)
    {
        var slot = new TensorSlot(name, TotalCount, shape);
        _slots.Add(slot);
        _byName.Add(name, slot);
        TotalCount += slot.Count;
    }
}
