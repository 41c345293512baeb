namespace BertNative.Model;

/// <summary>One named tensor inside the whole-model buffer.</summary>
public sealed record TensorSlot(string Name, long Offset, int[] Shape, TensorRole Role)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>A contiguous window of the gradient buffer whose gradients backward finishes together.</summary>
public sealed record GradientBucket(string Name, long Offset, long Count);

/// <summary>
/// Where every parameter lives in the one contiguous buffer (the same layout serves gradients and
/// Adam moments). Names are the book's PyTorch module names (<see cref="TensorNames"/>). Within a
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
        Add(TensorNames.TokenEmbedding, TensorRole.Embedding, V, H);
        Add(TensorNames.SegmentEmbedding, TensorRole.Embedding, c.TypeVocabSize, H);
        Add(TensorNames.PositionEmbedding, TensorRole.Embedding, 1, c.MaxPosition, H);
        if (c.EmbeddingLayerNorm) AddNorm(TensorNames.EmbeddingNorm, H);
        for (int i = 0; i < c.Layers; i++)
        {
            string b = TensorNames.Block(i);
            string[] qkv = [TensorNames.Query, TensorNames.Key, TensorNames.Value];
            foreach (var w in qkv) Add(TensorNames.Weight(b + w), TensorRole.Weight, H, H);
            foreach (var w in qkv) Add(TensorNames.Bias(b + w), TensorRole.Bias, H);
            AddLinear(b + TensorNames.AttentionOutput, H, H);
            AddNorm(b + TensorNames.Norm1, H);
            AddLinear(b + TensorNames.Ffn1, F, H);
            AddLinear(b + TensorNames.Ffn2, H, F);
            AddNorm(b + TensorNames.Norm2, H);
        }
        AddLinear(TensorNames.NspHidden, H, H);
        AddLinear(TensorNames.MlmDense, H, H);
        AddNorm(TensorNames.MlmNorm, H);
        // Tied, the decoder reads the token embedding as its weight.
        if (!c.TieDecoder) Add(TensorNames.Weight(TensorNames.MlmDecoder), TensorRole.Weight, V, H);
        Add(TensorNames.Bias(TensorNames.MlmDecoder), TensorRole.Bias, V);
        AddLinear(TensorNames.NspOutput, 2, H);

        long headsStart = this[TensorNames.Weight(TensorNames.NspHidden)].Offset;
        long LayerStart(int l) => l < c.Layers ? this[TensorNames.Weight(TensorNames.Block(l) + TensorNames.Query)].Offset : headsStart;
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

    private void AddLinear(string module, int outputs, int inputs)
    {
        Add(TensorNames.Weight(module), TensorRole.Weight, outputs, inputs);
        Add(TensorNames.Bias(module), TensorRole.Bias, outputs);
    }

    private void AddNorm(string module, int size)
    {
        Add(TensorNames.Weight(module), TensorRole.NormGain, size);
        Add(TensorNames.Bias(module), TensorRole.NormShift, size);
    }

    private void Add(string name, TensorRole role, params int[] shape)
    {
        var slot = new TensorSlot(name, TotalCount, shape, role);
        _slots.Add(slot);
        _byName.Add(name, slot);
        TotalCount += slot.Count;
    }
}
