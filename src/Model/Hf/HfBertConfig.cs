using System.Globalization;
using System.Text.Json.Nodes;
using BertNative.Contract;

namespace BertNative.Model.Hf;

/// <summary>The fields of a Hugging Face BERT config.json that define the network (names as in the file).</summary>
public sealed record HfBertConfig(int VocabSize, int HiddenSize, int NumHiddenLayers, int NumAttentionHeads, int IntermediateSize,
    string HiddenAct, int MaxPositionEmbeddings, int TypeVocabSize, float LayerNormEps, float HiddenDropoutProb)
{
    public static HfBertConfig Read(string path)
    {
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path))!.AsObject(); }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new BertNativeException($"{path} is not a valid JSON config ({e.Message})", e);
        }
        string? type = json["model_type"]?.GetValue<string>();
        if (type != null && type != "bert")
            throw new BertNativeException($"{path}: model_type is \"{type}\"; only BERT models (model_type \"bert\") can be imported");
        int Int(string key) => json[key]?.GetValue<int>() ?? throw new BertNativeException($"{path} has no \"{key}\"");
        float Float(string key, float fallback) => json[key] is { } v ? (float)v.GetValue<double>() : fallback;
        return new HfBertConfig(Int("vocab_size"), Int("hidden_size"), Int("num_hidden_layers"), Int("num_attention_heads"), Int("intermediate_size"),
            json["hidden_act"]?.GetValue<string>() ?? "gelu", Int("max_position_embeddings"), json["type_vocab_size"]?.GetValue<int>() ?? 2,
            Float("layer_norm_eps", 1e-12f), Float("hidden_dropout_prob", 0.1f));
    }

    /// <summary>config.json for BertForPreTraining.from_pretrained.</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("BertForPreTraining"),
        ["model_type"] = "bert",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["intermediate_size"] = IntermediateSize,
        ["hidden_act"] = HiddenAct,
        ["hidden_dropout_prob"] = HiddenDropoutProb,
        ["attention_probs_dropout_prob"] = HiddenDropoutProb,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["type_vocab_size"] = TypeVocabSize,
        ["initializer_range"] = 0.02,
        ["layer_norm_eps"] = double.Parse(LayerNormEps.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        ["pad_token_id"] = 0,
        ["position_embedding_type"] = "absolute",
        ["tie_word_embeddings"] = true,
    };
}
