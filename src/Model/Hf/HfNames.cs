namespace BertNative.Model.Hf;

/// <summary>Which part of the model a tensor belongs to: an import may lack the heads (an encoder-only export).</summary>
public enum HfPart { Encoder, Pooler, MaskedLm, NextSentence }

/// <summary>One of our tensors and its Hugging Face name (without "bert."). NSP's two rows are swapped:
/// Hugging Face's label 0 means "is the next sentence", ours is 1.</summary>
public sealed record HfName(string Ours, string Hf, HfPart Part, bool SwapRows = false);

/// <summary>Our tensor names (docs/checkpoint-format.md) against Hugging Face's BertForPreTraining names.</summary>
public static class HfNames
{
    public static IEnumerable<HfName> For(BertConfig c)
    {
        yield return new(TensorNames.TokenEmbedding, "embeddings.word_embeddings.weight", HfPart.Encoder);
        yield return new(TensorNames.SegmentEmbedding, "embeddings.token_type_embeddings.weight", HfPart.Encoder);
        yield return new(TensorNames.PositionEmbedding, "embeddings.position_embeddings.weight", HfPart.Encoder);
        if (c.EmbeddingLayerNorm)
            foreach (var p in Module(TensorNames.EmbeddingNorm, "embeddings.LayerNorm", HfPart.Encoder)) yield return p;
        for (int i = 0; i < c.Layers; i++)
        {
            string ours = TensorNames.Block(i), hf = $"encoder.layer.{i}.";
            foreach (var (o, h) in new[]
            {
                (TensorNames.Query, "attention.self.query"), (TensorNames.Key, "attention.self.key"), (TensorNames.Value, "attention.self.value"),
                (TensorNames.AttentionOutput, "attention.output.dense"), (TensorNames.Norm1, "attention.output.LayerNorm"),
                (TensorNames.Ffn1, "intermediate.dense"), (TensorNames.Ffn2, "output.dense"), (TensorNames.Norm2, "output.LayerNorm"),
            })
                foreach (var p in Module(ours + o, hf + h, HfPart.Encoder)) yield return p;
        }
        foreach (var p in Module(TensorNames.NspHidden, "pooler.dense", HfPart.Pooler)) yield return p;
        foreach (var p in Module(TensorNames.MlmDense, "cls.predictions.transform.dense", HfPart.MaskedLm)) yield return p;
        foreach (var p in Module(TensorNames.MlmNorm, "cls.predictions.transform.LayerNorm", HfPart.MaskedLm)) yield return p;
        if (!c.TieDecoder) yield return new(TensorNames.Weight(TensorNames.MlmDecoder), DecoderWeight, HfPart.MaskedLm);
        yield return new(TensorNames.Bias(TensorNames.MlmDecoder), "cls.predictions.bias", HfPart.MaskedLm);
        foreach (var p in Module(TensorNames.NspOutput, "cls.seq_relationship", HfPart.NextSentence, swapRows: true)) yield return p;
    }

    /// <summary>A module's weight and bias under both names.</summary>
    private static IEnumerable<HfName> Module(string ours, string hf, HfPart part, bool swapRows = false)
    {
        yield return new(TensorNames.Weight(ours), hf + ".weight", part, swapRows);
        yield return new(TensorNames.Bias(ours), hf + ".bias", part, swapRows);
    }

    /// <summary>The MLM decoder's weight; Hugging Face ties it to the word embeddings (and may store it anyway).</summary>
    public const string DecoderWeight = "cls.predictions.decoder.weight";

    /// <summary>The decoder's bias as older checkpoints also store it (the same values as cls.predictions.bias).</summary>
    public const string DecoderBias = "cls.predictions.decoder.bias";
}
