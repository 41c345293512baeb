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

        FloatView W(string module) => V(TensorNames.Weight(module));
        FloatView B(string module) => V(TensorNames.Bias(module));

        TokenEmbedding = V(TensorNames.TokenEmbedding);
        SegmentEmbedding = V(TensorNames.SegmentEmbedding);
        PositionEmbedding = V(TensorNames.PositionEmbedding);
        if (config.EmbeddingLayerNorm)
        {
            EmbeddingNormGamma = W(TensorNames.EmbeddingNorm);
            EmbeddingNormBeta = B(TensorNames.EmbeddingNorm);
        }
        Layers = [.. Enumerable.Range(0, config.Layers).Select(i =>
        {
            string b = TensorNames.Block(i);
            return new LayerWeights(
                Span(TensorNames.Weight(b + TensorNames.Query), 3L * H * H), Span(TensorNames.Bias(b + TensorNames.Query), 3L * H),
                W(b + TensorNames.AttentionOutput), B(b + TensorNames.AttentionOutput),
                W(b + TensorNames.Norm1), B(b + TensorNames.Norm1),
                W(b + TensorNames.Ffn1), B(b + TensorNames.Ffn1),
                W(b + TensorNames.Ffn2), B(b + TensorNames.Ffn2),
                W(b + TensorNames.Norm2), B(b + TensorNames.Norm2));
        })];
        NspHidden = W(TensorNames.NspHidden);
        NspHiddenBias = B(TensorNames.NspHidden);
        MlmDense = W(TensorNames.MlmDense);
        MlmDenseBias = B(TensorNames.MlmDense);
        MlmNormGamma = W(TensorNames.MlmNorm);
        MlmNormBeta = B(TensorNames.MlmNorm);
        // Tied, the decoder's weight (and, in the gradient buffer, its gradient) is the token embedding's.
        MlmDecoder = config.TieDecoder ? TokenEmbedding : W(TensorNames.MlmDecoder);
        MlmDecoderBias = B(TensorNames.MlmDecoder);
        NspOutput = W(TensorNames.NspOutput);
        NspOutputBias = B(TensorNames.NspOutput);
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
