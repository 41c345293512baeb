using System.Text.Json;
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
        var layout = ParameterLayout.Of(config);
        var tensors = new List<NamedTensor>(layout.Slots.Count);
        foreach (var s in layout.Slots)
            tensors.Add(new NamedTensor(s.Name, s.Shape, Floats: parameters.Slice((int)s.Offset, (int)s.Count).ToArray()));
        try
        {
            Directory.CreateDirectory(staging);
            vocabulary.Save(Path.Combine(staging, VocabFile));
            File.WriteAllText(Path.Combine(staging, ConfigFile), TokenizerConfig.AddTo(JsonSerializer.Serialize(ConfigJson.From(config), JsonOptions), vocabulary.Tokenizer));
            SafeTensors.Write(Path.Combine(staging, WeightsFile), tensors, metadata);
            writeExtra?.Invoke(staging);
            CheckpointChecksums.Write(staging); // last: a manifest means every file before it was written whole
        }
        catch
        {
            // A failed save (disk full, a file in the way) leaves nothing behind; the previous checkpoint is untouched.
            try { if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }

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

    /// <summary>The weights, config and vocabulary, each file checked against the checkpoint's checksums and the weights
    /// checked to be finite; <paramref name="warn"/> hears about a checkpoint too old to carry checksums.</summary>
    public static (BertConfig Config, Vocabulary Vocabulary, float[] Parameters) Load(string folder, Action<string>? warn = null)
    {
        folder = Locate(folder);
        if (File.Exists(folder))
            throw new BertNativeException($"checkpoint {folder} is a file; pass the checkpoint/ folder a run wrote");
        if (!Directory.Exists(folder))
            throw new BertNativeException($"checkpoint folder {folder} does not exist; run 'pretrain' first or pass --checkpoint a folder it wrote");
        CheckpointChecksums.Verify(folder, [ConfigFile, VocabFile, WeightsFile], warn);
        string configPath = Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath)) throw new BertNativeException($"{configPath} is missing; {folder} is not a checkpoint written by 'pretrain'");
        ConfigJson json;
        Tokenization.TokenizerSettings tokenizer;
        try
        {
            string text = File.ReadAllText(configPath);
            json = JsonSerializer.Deserialize<ConfigJson>(text, JsonOptions) ?? throw new JsonException("empty");
            tokenizer = TokenizerConfig.ReadFrom(text);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { throw new BertNativeException($"{configPath} is not a valid config ({e.Message})", e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new BertNativeException($"cannot read {configPath}: {e.Message}", e); }
        var config = json.ToConfig();
        try { config.Validate(Math.Min(config.MaxPosition, 8)); }
        catch (BertNativeException e) { throw new BertNativeException($"{configPath} describes no valid model ({e.Message})", e); }
        var vocabulary = Vocabulary.Load(Path.Combine(folder, VocabFile), tokenizer);
        if (vocabulary.Count != config.VocabSize)
            throw new BertNativeException($"{folder}: vocab.txt has {vocabulary.Count} tokens but config.json says {config.VocabSize}");

        var tensors = SafeTensors.Read(Path.Combine(folder, WeightsFile));
        var layout = ParameterLayout.Of(config);
        var parameters = new float[layout.TotalCount];
        foreach (var slot in layout.Slots)
        {
            if (!tensors.TryGetValue(slot.Name, out var t) || t.Floats == null || !t.Shape.SequenceEqual(slot.Shape))
                throw new BertNativeException($"{folder}: tensor {slot.Name} [{string.Join(',', slot.Shape)}] is missing or has another shape");
            t.Floats.CopyTo(parameters.AsSpan((int)slot.Offset));
        }
        RequireFinite(parameters, Path.Combine(folder, WeightsFile), "weights");
        return (config, vocabulary, parameters);
    }

    /// <summary>NaN or infinity in saved values: a run that diverged; training or encoding with them gives NaN everywhere.</summary>
    public static void RequireFinite(ReadOnlySpan<float> values, string path, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new BertNativeException($"{path} holds a non-finite value ({values[i]} at {what} index {i}): it cannot be used; resume from or use an earlier checkpoint");
    }

    private static readonly JsonSerializerOptions JsonOptions = JsonFormat.Indented;

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
