namespace BertNative.Model;

/// <summary>
/// The names of the model's tensors, written once: the book's PyTorch module names (docs/checkpoint-format.md). A module
/// (a Linear or LayerNorm) has a <c>.weight</c> and a <c>.bias</c>; the embeddings are single tensors. The layout, the
/// named views, the ONNX export and the Hugging Face mapping all name tensors through here.
/// </summary>
public static class TensorNames
{
    public const string TokenEmbedding = "encoder.token_embedding.weight";
    public const string SegmentEmbedding = "encoder.segment_embedding.weight";
    public const string PositionEmbedding = "encoder.pos_embedding";
    /// <summary>Hugging Face's LayerNorm after the embedding sum (the book has none).</summary>
    public const string EmbeddingNorm = "encoder.embedding_norm";

    /// <summary>The prefix of encoder block <paramref name="layer"/>'s modules: <c>encoder.blks.{layer}.</c>.</summary>
    public static string Block(int layer) => $"encoder.blks.{layer}.";

    // The modules of a block (after its prefix). W_q, W_k and W_v are adjacent in the layout: one [3H, H] projection.
    public const string Query = "attention.W_q", Key = "attention.W_k", Value = "attention.W_v", AttentionOutput = "attention.W_o";
    public const string Norm1 = "addnorm1.ln", Ffn1 = "ffn.dense1", Ffn2 = "ffn.dense2", Norm2 = "addnorm2.ln";

    /// <summary>The NSP head's hidden layer (tanh after it; Hugging Face's pooler).</summary>
    public const string NspHidden = "hidden.0";
    public const string NspOutput = "nsp.output";
    /// <summary>The MLM head: dense, activation, LayerNorm (mlm.mlp.2), decoder to the vocabulary (mlm.mlp.3).</summary>
    public const string MlmDense = "mlm.mlp.0", MlmNorm = "mlm.mlp.2", MlmDecoder = "mlm.mlp.3";

    public static string Weight(string module) => module + ".weight";
    public static string Bias(string module) => module + ".bias";
}

/// <summary>What a tensor is, for initialization and weight decay.</summary>
public enum TensorRole { Embedding, Weight, Bias, NormGain, NormShift }
