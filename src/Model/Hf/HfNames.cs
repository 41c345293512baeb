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
        yield return new("encoder.token_embedding.weight", "embeddings.word_embeddings.weight", HfPart.Encoder);
        yield return new("encoder.segment_embedding.weight", "embeddings.token_type_embeddings.weight", HfPart.Encoder);
        yield return new("encoder.pos_embedding", "embeddings.position_embeddings.weight", HfPart.Encoder);
        if (c.EmbeddingLayerNorm)
            foreach (var p in WeightAndBias) yield return new($"encoder.embedding_norm.{p}", $"embeddings.LayerNorm.{p}", HfPart.Encoder);
        for (int i = 0; i < c.Layers; i++)
        {
            string ours = $"encoder.blks.{i}.", hf = $"encoder.layer.{i}.";
            foreach (var (o, h) in new[]
            {
                ("attention.W_q", "attention.self.query"), ("attention.W_k", "attention.self.key"), ("attention.W_v", "attention.self.value"),
                ("attention.W_o", "attention.output.dense"), ("addnorm1.ln", "attention.output.LayerNorm"),
                ("ffn.dense1", "intermediate.dense"), ("ffn.dense2", "output.dense"), ("addnorm2.ln", "output.LayerNorm"),
            })
                foreach (var p in WeightAndBias) yield return new($"{ours}{o}.{p}", $"{hf}{h}.{p}", HfPart.Encoder);
        }
        foreach (var p in WeightAndBias) yield return new($"hidden.0.{p}", $"pooler.dense.{p}", HfPart.Pooler);
        foreach (var p in WeightAndBias) yield return new($"mlm.mlp.0.{p}", $"cls.predictions.transform.dense.{p}", HfPart.MaskedLm);
        foreach (var p in WeightAndBias) yield return new($"mlm.mlp.2.{p}", $"cls.predictions.transform.LayerNorm.{p}", HfPart.MaskedLm);
        if (!c.TieDecoder) yield return new("mlm.mlp.3.weight", DecoderWeight, HfPart.MaskedLm);
        yield return new("mlm.mlp.3.bias", "cls.predictions.bias", HfPart.MaskedLm);
        foreach (var p in WeightAndBias) yield return new($"nsp.output.{p}", $"cls.seq_relationship.{p}", HfPart.NextSentence, SwapRows: true);
    }

    /// <summary>The MLM decoder's weight; Hugging Face ties it to the word embeddings (and may store it anyway).</summary>
    public const string DecoderWeight = "cls.predictions.decoder.weight";

    /// <summary>The decoder's bias as older checkpoints also store it (the same values as cls.predictions.bias).</summary>
    public const string DecoderBias = "cls.predictions.decoder.bias";

    private static readonly string[] WeightAndBias = ["weight", "bias"];
}
