using System.Text.Json;
using System.Text.Json.Serialization;
using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Checkpoints;

/// <summary>
/// A checkpoint folder (docs/checkpoint-format.md): model.safetensors with the book's PyTorch
/// tensor names, config.json and vocab.txt.
/// </summary>
public static class Checkpoint
{
    public const string WeightsFile = "model.safetensors", ConfigFile = "config.json", VocabFile = "vocab.txt";

    /// <summary>Writes the whole checkpoint (and what <paramref name="writeExtra"/> adds to it) into a staging folder
    /// beside <paramref name="folder"/>, then swaps it in: the previous checkpoint is replaced only by a complete one.
    /// A crash inside the swap leaves it as <c>folder.previous</c>, which <see cref="Locate"/> finds.</summary>
    public static void Save(string folder, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters,
        IReadOnlyDictionary<string, string>? metadata = null, Action<string>? writeExtra = null)
    {
        folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        string staging = folder + ".partial", previous = folder + ".previous";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        var layout = new ParameterLayout(config);
        var tensors = new List<NamedTensor>(layout.Slots.Count);
        foreach (var s in layout.Slots)
            tensors.Add(new NamedTensor(s.Name, s.Shape, Floats: parameters.Slice((int)s.Offset, (int)s.Count).ToArray()));
        vocabulary.Save(Path.Combine(staging, VocabFile));
        File.WriteAllText(Path.Combine(staging, ConfigFile), JsonSerializer.Serialize(ConfigJson.From(config), JsonOptions));
        SafeTensors.Write(Path.Combine(staging, WeightsFile), tensors, metadata);
        writeExtra?.Invoke(staging);

        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
        if (Directory.Exists(folder)) Directory.Move(folder, previous);
        Directory.Move(staging, folder);
        if (Directory.Exists(previous)) Directory.Delete(previous, recursive: true);
    }

    /// <summary>The checkpoint folder to read: <paramref name="folder"/>, or the previous one a crashed save left beside it.</summary>
    public static string Locate(string folder)
    {
        string trimmed = Path.TrimEndingDirectorySeparator(folder);
        return !Directory.Exists(trimmed) && Directory.Exists(trimmed + ".previous") ? trimmed + ".previous" : trimmed;
    }

    public static (BertConfig Config, Vocabulary Vocabulary, float[] Parameters) Load(string folder)
    {
        folder = Locate(folder);
        if (!Directory.Exists(folder))
            throw new BertNativeException($"checkpoint folder {folder} does not exist; run 'pretrain' first or pass --checkpoint a folder it wrote");
        string configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath)) throw new BertNativeException($"{configPath} is missing; {folder} is not a checkpoint written by 'pretrain'");
        ConfigJson json;
        try { json = JsonSerializer.Deserialize<ConfigJson>(File.ReadAllText(configPath), JsonOptions) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new BertNativeException($"{configPath} is not a valid config ({e.Message})", e); }
        var config = json.ToConfig();
        var vocabulary = Vocabulary.Load(Path.Combine(folder, VocabFile));
        if (vocabulary.Count != config.VocabSize)
            throw new BertNativeException($"{folder}: vocab.txt has {vocabulary.Count} tokens but config.json says {config.VocabSize}");

        var tensors = SafeTensors.Read(Path.Combine(folder, WeightsFile));
        var layout = new ParameterLayout(config);
        var parameters = new float[layout.TotalCount];
        foreach (var slot in layout.Slots)
        {
            if (!tensors.TryGetValue(slot.Name, out var t) || t.Floats == null || !t.Shape.SequenceEqual(slot.Shape))
                throw new BertNativeException($"{folder}: tensor {slot.Name} [{string.Join(',', slot.Shape)}] is missing or has another shape");
            t.Floats.CopyTo(parameters.AsSpan((int)slot.Offset));
        }
        return (config, vocabulary, parameters);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>config.json: the fields a PyTorch script needs to rebuild the model. The Hugging Face options default to
    /// the book's architecture, so a config.json written before them loads as it did.</summary>
    private sealed record ConfigJson(int VocabSize, int Hidden, int FfnHidden, int Heads, int Layers, int MaxPosition,
        float Dropout, Activation Activation, float LayernormEps, bool EmbeddingLayerNorm = false,
        Activation MlmActivation = Activation.Relu, bool TieDecoder = false, int TypeVocabSize = 2)
    {
        public static ConfigJson From(BertConfig c) => new(c.VocabSize, c.Hidden, c.FfnHidden, c.Heads, c.Layers, c.MaxPosition, c.Dropout,
            c.FfnActivation, c.LayerNormEpsilon, c.EmbeddingLayerNorm, c.MlmActivation, c.TieDecoder, c.TypeVocabSize);

        public BertConfig ToConfig() => new()
        {
            VocabSize = VocabSize, Hidden = Hidden, FfnHidden = FfnHidden, Heads = Heads, Layers = Layers,
            MaxPosition = MaxPosition, Dropout = Dropout, FfnActivation = Activation, LayerNormEpsilon = LayernormEps,
            EmbeddingLayerNorm = EmbeddingLayerNorm, MlmActivation = MlmActivation, TieDecoder = TieDecoder, TypeVocabSize = TypeVocabSize,
        };
    }
}
