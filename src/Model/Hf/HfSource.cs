using System.Text.Json.Nodes;
using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;

namespace BertNative.Model.Hf;

/// <summary>A BERT read from Hugging Face files: its shape, its weights under Hugging Face names, its vocabulary.</summary>
public sealed record HfSource(HfBertConfig Config, HfTensors Tensors, Vocabulary Vocabulary, string Description)
{
    /// <summary>Reads a Hugging Face model folder (config.json, model.safetensors or its shards, vocab.txt, tokenizer_config.json)
    /// or an ONNX file of one (vocab.txt and config.json beside it, or <paramref name="vocabPath"/>). Failures are one line.</summary>
    public static HfSource Read(string path, string? vocabPath = null)
    {
        if (Directory.Exists(path)) return ReadFolder(path, vocabPath);
        if (File.Exists(path) && path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) return ReadOnnx(path, vocabPath);
        if (File.Exists(path)) throw new BertNativeException($"{path} is neither a Hugging Face model folder nor an .onnx file");
        throw new BertNativeException($"{path} does not exist; give a Hugging Face model folder (config.json, model.safetensors, vocab.txt) or an .onnx file");
    }

    private static HfSource ReadFolder(string folder, string? vocabPath)
    {
        string config = Path.Combine(folder, "config.json");
        if (!File.Exists(config)) throw new BertNativeException($"{folder} has no config.json; it is not a Hugging Face model folder");
        var hf = HfBertConfig.Read(config);
        var tensors = new HfTensors();
        foreach (var file in WeightFiles(folder))
            foreach (var (name, t) in SafeTensors.Read(file))
            {
                if (t.Floats == null) continue; // integer buffers (position_ids) are not weights
                if (!tensors.Add(name, new HfTensor(t.Floats, t.Shape))) throw new BertNativeException($"{file}: tensor {name} appears twice");
            }
        var vocabulary = LoadVocabulary(vocabPath ?? Path.Combine(folder, "vocab.txt"), LowerCase(folder, vocabPath ?? Path.Combine(folder, "vocab.txt")));
        return new HfSource(hf, tensors, vocabulary, folder);
    }

    private static HfSource ReadOnnx(string file, string? vocabPath)
    {
        var reader = new OnnxBertReader(file);
        var (tensors, unnamed) = reader.ReadTensors();
        if (unnamed.Count > 0)
            throw new BertNativeException($"{file}: weight {unnamed[0]} could not be matched to a BERT tensor (no Hugging Face name, and no named bias after its MatMul)" +
                (unnamed.Count > 1 ? $"; {unnamed.Count - 1} more like it" : ""));
        string folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        string besideConfig = Path.Combine(folder, "config.json");
        var hf = File.Exists(besideConfig) ? HfBertConfig.Read(besideConfig) : reader.InferConfig(tensors);
        string vocab = vocabPath ?? Path.Combine(folder, "vocab.txt");
        return new HfSource(hf, tensors, LoadVocabulary(vocab, LowerCase(folder, vocab)), file);
    }

    /// <summary>model.safetensors, or the shards model.safetensors.index.json lists.</summary>
    private static IEnumerable<string> WeightFiles(string folder)
    {
        string single = Path.Combine(folder, "model.safetensors"), index = Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(single)) return [single];
        if (File.Exists(index))
            return JsonNode.Parse(File.ReadAllText(index))!["weight_map"]!.AsObject().Select(kv => kv.Value!.GetValue<string>()).Distinct().Select(f => Path.Combine(folder, f)).ToList();
        if (File.Exists(Path.Combine(folder, "pytorch_model.bin")))
            throw new BertNativeException($"{folder} has only pytorch_model.bin; convert it once to safetensors with: python3 -c \"import torch; from safetensors.torch import save_file; " +
                $"save_file({{k: v.clone().contiguous() for k, v in torch.load('{Path.Combine(folder, "pytorch_model.bin")}', map_location='cpu').items()}}, '{single}')\"");
        throw new BertNativeException($"{folder} has no model.safetensors");
    }

    /// <summary>tokenizer_config.json's do_lower_case; without it, a vocabulary with capitalised words is taken as cased.</summary>
    private static bool LowerCase(string folder, string vocabPath)
    {
        string tokenizerConfig = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(tokenizerConfig) && JsonNode.Parse(File.ReadAllText(tokenizerConfig))?["do_lower_case"] is { } lower) return lower.GetValue<bool>();
        return !File.Exists(vocabPath) || File.ReadLines(vocabPath).Count(t => t.Length > 1 && char.IsAsciiLetterUpper(t[0]) && !t.StartsWith('[')) < 100;
    }

    private static Vocabulary LoadVocabulary(string path, bool lowerCase)
    {
        if (!File.Exists(path)) throw new BertNativeException($"{path} is missing; put the model's vocab.txt there or pass --vocab FILE");
        return Vocabulary.Load(path, TokenizerSettings.WordPiece(lowerCase));
    }
}
