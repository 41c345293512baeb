using System.Text.Json.Nodes;
using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;

namespace BertNative.Model.Hf;

/// <summary>
/// Writes a checkpoint as a Hugging Face model folder that BertForPreTraining.from_pretrained loads: config.json,
/// model.safetensors (bert.embeddings..., bert.encoder.layer.N..., bert.pooler.dense, cls.predictions...,
/// cls.seq_relationship), vocab.txt and tokenizer_config.json.
/// </summary>
public static class HfExport
{
    /// <summary>Why a configuration has no Hugging Face BERT equivalent, or null when it has one.</summary>
    public static string? Unsupported(BertConfig c)
    {
        if (!c.EmbeddingLayerNorm) return "it has no LayerNorm after the embeddings (the book's architecture), which Hugging Face's BERT always applies; import a Hugging Face model or pretrain one with its architecture";
        if (c.MlmActivation != c.FfnActivation) return $"its MLM head uses {c.MlmActivation} but its feed-forward layers {c.FfnActivation}; Hugging Face's BERT uses one activation (hidden_act) for both";
        if (c.FfnActivation is not (Activation.Gelu or Activation.Relu)) return $"its activation {c.FfnActivation} has no hidden_act in Hugging Face's BERT";
        return null;
    }

    public static void Save(string folder, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters)
    {
        if (Unsupported(config) is { } why) throw new BertNativeException($"this checkpoint cannot be written as a Hugging Face BERT: {why}");
        Directory.CreateDirectory(folder);
        var hf = new HfBertConfig(config.VocabSize, config.Hidden, config.Layers, config.Heads, config.FfnHidden, config.FfnActivation == Activation.Gelu ? "gelu" : "relu",
            config.MaxPosition, config.TypeVocabSize, config.LayerNormEpsilon, config.Dropout);
        var json = hf.ToJson();
        json["tie_word_embeddings"] = config.TieDecoder;
        json["pad_token_id"] = vocabulary.Special.Pad;
        File.WriteAllText(Path.Combine(folder, "config.json"), json.ToJsonString(JsonFormat.Indented));
        var tensors = HfWeights.Export(config, parameters).Select(t => new NamedTensor(t.Name, t.Shape, Floats: t.Values)).ToList();
        SafeTensors.Write(Path.Combine(folder, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        vocabulary.Save(Path.Combine(folder, "vocab.txt"));
        var s = vocabulary.SpecialNames;
        var tokenizer = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = vocabulary.Tokenizer.LowerCase,
            ["strip_accents"] = vocabulary.Tokenizer.StripAccents == vocabulary.Tokenizer.LowerCase ? null : vocabulary.Tokenizer.StripAccents,
            ["model_max_length"] = config.MaxPosition,
            ["unk_token"] = s.Unk, ["pad_token"] = s.Pad, ["mask_token"] = s.Mask, ["cls_token"] = s.Cls, ["sep_token"] = s.Sep,
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), tokenizer.ToJsonString(JsonFormat.Indented));
    }
}
