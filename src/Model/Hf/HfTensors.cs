namespace BertNative.Model.Hf;

/// <summary>One float tensor under its Hugging Face name, row-major, Linear weights [out, in] as in PyTorch.</summary>
public sealed record HfTensor(float[] Values, int[] Shape)
{
    public long Count => Values.LongLength;
    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}

/// <summary>A BERT's weights under Hugging Face names, with the prefix "bert." removed from the encoder's
/// ("embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", "pooler.dense.weight",
/// "cls.predictions.bias", ...) and "gamma"/"beta" spelled "weight"/"bias" as in current checkpoints.</summary>
public sealed class HfTensors
{
    private readonly Dictionary<string, HfTensor> _tensors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _sourceNames = new(StringComparer.Ordinal);

    /// <summary>Adds a tensor under its file's name (normalised as above); returns false when the normalised name was already taken.</summary>
    public bool Add(string sourceName, HfTensor tensor)
    {
        string name = Normalize(sourceName);
        if (!_tensors.TryAdd(name, tensor)) return false;
        _sourceNames[name] = sourceName;
        return true;
    }

    public bool TryGet(string name, out HfTensor tensor) => _tensors.TryGetValue(name, out tensor!);

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public IEnumerable<string> Names => _tensors.Keys;

    /// <summary>The name the source file gave a tensor (for messages).</summary>
    public string SourceName(string name) => _sourceNames.TryGetValue(name, out var source) ? source : name;

    public static string Normalize(string name)
    {
        if (name.StartsWith("bert.", StringComparison.Ordinal)) name = name["bert.".Length..];
        if (name.EndsWith(".gamma", StringComparison.Ordinal)) name = name[..^".gamma".Length] + ".weight";
        else if (name.EndsWith(".beta", StringComparison.Ordinal)) name = name[..^".beta".Length] + ".bias";
        return name;
    }
}
