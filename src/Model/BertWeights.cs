using BertNative.Contract;

namespace BertNative.Model;

/// <summary>The views of one encoder block into a whole-model buffer (parameters or gradients alike).</summary>
public sealed record LayerWeights(
    FloatView Qkv, FloatView QkvBias, FloatView Output, FloatView OutputBias,
    FloatView Norm1Gamma, FloatView Norm1Beta,
    FloatView Ffn1, FloatView Ffn1Bias, FloatView Ffn2, FloatView Ffn2Bias,
    FloatView Norm2Gamma, FloatView Norm2Beta);

/// <summary>Named views of every tensor of the model into one contiguous buffer.</summary>
public sealed class BertWeights
{
    public BertWeights(FloatView all, ParameterLayout layout, BertConfig config)
    {
        All = all;
        FloatView V(string name) => all.Slice(layout[name].Offset, layout[name].Count);
        FloatView Span(string first, long count) => all.Slice(layout[first].Offset, count);
        int H = config.Hidden;

        TokenEmbedding = V("encoder.token_embedding.weight");
        SegmentEmbedding = V("encoder.segment_embedding.weight");
        PositionEmbedding = V("encoder.pos_embedding");
        if (config.EmbeddingLayerNorm)
        {
            EmbeddingNormGamma = V("encoder.embedding_norm.weight");
            EmbeddingNormBeta = V("encoder.embedding_norm.bias");
        }
        Layers = [.. Enumerable.Range(0, config.Layers).Select(i =>
        {
            string b = $"encoder.blks.{i}.";
            return new LayerWeights(
                Span($"{b}attention.W_q.weight", 3L * H * H), Span($"{b}attention.W_q.bias", 3L * H),
                V($"{b}attention.W_o.weight"), V($"{b}attention.W_o.bias"),
                V($"{b}addnorm1.ln.weight"), V($"{b}addnorm1.ln.bias"),
                V($"{b}ffn.dense1.weight"), V($"{b}ffn.dense1.bias"),
                V($"{b}ffn.dense2.weight"), V($"{b}ffn.dense2.bias"),
                V($"{b}addnorm2.ln.weight"), V($"{b}addnorm2.ln.bias"));
        })];
        NspHidden = V("hidden.0.weight");
        NspHiddenBias = V("hidden.0.bias");
        MlmDense = V("mlm.mlp.0.weight");
        MlmDenseBias = V("mlm.mlp.0.bias");
        MlmNormGamma = V("mlm.mlp.2.weight");
        MlmNormBeta = V("mlm.mlp.2.bias");
        // Tied, the decoder's weight (and, in the gradient buffer, its gradient) is the token embedding's.
        MlmDecoder = config.TieDecoder ? TokenEmbedding : V("mlm.mlp.3.weight");
        MlmDecoderBias = V("mlm.mlp.3.bias");
        NspOutput = V("nsp.output.weight");
        NspOutputBias = V("nsp.output.bias");
    }

    public FloatView All { get; }
    public FloatView TokenEmbedding { get; }
    public FloatView SegmentEmbedding { get; }
    public FloatView PositionEmbedding { get; }
    /// <summary>The embedding LayerNorm's [H] scale and shift; null without <see cref="BertConfig.EmbeddingLayerNorm"/>.</summary>
    public FloatView? EmbeddingNormGamma { get; }
    public FloatView? EmbeddingNormBeta { get; }
    public LayerWeights[] Layers { get; }
    public FloatView NspHidden { get; }
    public FloatView NspHiddenBias { get; }
    public FloatView MlmDense { get; }
    public FloatView MlmDenseBias { get; }
    public FloatView MlmNormGamma { get; }
    public FloatView MlmNormBeta { get; }
    public FloatView MlmDecoder { get; }
    public FloatView MlmDecoderBias { get; }
    public FloatView NspOutput { get; }
    public FloatView NspOutputBias { get; }
}
