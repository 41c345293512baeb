using BertNative.Contract;

namespace BertNative.Ilgpu;

/// <summary>IBertOps: each op resolves its views and queues its kernels (see Kernels/ for the conventions).</summary>
public sealed partial class IlgpuBackend
{
    public void EmbeddingForward(FloatView output, IntView tokens, IntView segments,
        FloatView tokenTable, FloatView segmentTable, FloatView positionTable, int B, int T, int H)
        => _embedding.Forward(_stream, View(output), View(tokens), View(segments), View(tokenTable), View(segmentTable),
            View(positionTable), B, T, H);

    public void EmbeddingBackward(FloatView dTokenTable, FloatView dSegmentTable, FloatView? dPositionTable,
        FloatView doutput, IntView tokens, IntView segments, int B, int T, int H)
        => _embedding.Backward(_stream, View(dTokenTable), View(dSegmentTable), ViewOrUnused(dPositionTable), dPositionTable.HasValue,
            View(doutput), View(tokens), View(segments), B, T, H);

    public void MatmulForward(FloatView output, FloatView input, FloatView weight, FloatView? bias, int N, int I, int O)
        => _matmul.Forward(_stream, View(output), View(input), View(weight), ViewOrUnused(bias), bias.HasValue, N, I, O);

    public void MatmulBackward(FloatView? dinput, bool accumulateInput, FloatView dweight, FloatView? dbias,
        FloatView doutput, FloatView input, FloatView weight, int N, int I, int O)
    {
        var dout = View(doutput);
        if (dinput is { } di) _matmul.BackwardInput(_stream, View(di), accumulateInput, dout, View(weight), N, I, O);
        _matmul.BackwardWeight(_stream, View(dweight), dout, View(input), N, I, O);
        if (dbias is { } db) _matmul.BackwardBias(_stream, View(db), dout, N, O);
    }

    public void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens, IntView? keyMask,
        int B, int T, int H, int heads, Dropout dropout)
        => _attention.Forward(_stream, View(output), View(probs), View(qkv), View(validLens), keyMask is { } mask ? View(mask) : null,
            B, T, H, heads, dropout);

    public void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout)
        => _attention.Backward(_stream, View(dqkv), View(doutput), View(qkv), View(probs), View(validLens), B, T, H, heads, dropout);

    public void LayerNormForward(FloatView output, FloatView mean, FloatView rstd, FloatView input,
        FloatView gamma, FloatView beta, int N, int C, float epsilon)
    {
        var x = View(input);
        _layerNorm.Forward(_stream, View(output), x, View(mean), View(rstd), x, x, hasResidual: false, View(gamma), View(beta), N, C, epsilon,
            Dropout.None);
    }

    public void ResidualLayerNormForward(FloatView output, FloatView residual, FloatView mean, FloatView rstd,
        FloatView a, FloatView b, FloatView gamma, FloatView beta, int N, int C, float epsilon, Dropout dropout)
        => _layerNorm.Forward(_stream, View(output), View(residual), View(mean), View(rstd), View(a), View(b), hasResidual: true,
            View(gamma), View(beta), N, C, epsilon, dropout);

    public void LayerNormBackward(FloatView dinput, FloatView dgamma, FloatView dbeta, FloatView doutput,
        FloatView input, FloatView gamma, FloatView mean, FloatView rstd, int N, int C)
        => _layerNorm.Backward(_stream, View(dinput), View(dgamma), View(dbeta), View(doutput), View(input), View(gamma),
            View(mean), View(rstd), N, C);

    public void ActivationForward(Activation activation, FloatView output, FloatView input, long n)
        => _elementwise.ActivationForward(_stream, activation, View(output), View(input), n);

    public void ActivationBackward(Activation activation, FloatView dinput, FloatView doutput, FloatView input, FloatView output, long n)
        => _elementwise.ActivationBackward(_stream, activation, View(dinput), View(doutput), View(input), View(output), n);

    public void DropoutForward(FloatView output, FloatView input, long n, Dropout dropout) => ApplyDropout(output, input, n, dropout);

    public void DropoutBackward(FloatView dinput, FloatView doutput, long n, Dropout dropout) => ApplyDropout(dinput, doutput, n, dropout);

    /// <summary>Forward and backward are the same mask and scale; inactive dropout is a copy (nothing when in place).</summary>
    private void ApplyDropout(FloatView output, FloatView input, long n, Dropout dropout)
    {
        if (dropout.IsActive) _elementwise.Dropout(_stream, View(output.Slice(0, n)), View(input.Slice(0, n)), n, dropout);
        else if (output.Buffer != input.Buffer || output.Offset != input.Offset) Copy(output.Slice(0, n), input.Slice(0, n));
    }

    public void GatherForward(FloatView output, FloatView input, IntView positions, int B, int T, int P, int C)
        => _gather.Forward(_stream, View(output), View(input), View(positions), B, T, P, C);

    public void GatherBackward(FloatView dinput, FloatView doutput, IntView positions, int B, int T, int P, int C)
        => _gather.Backward(_stream, View(dinput), View(doutput), View(positions), B, T, P, C);

    public void SoftmaxCrossEntropy(FloatView losses, FloatView? dlogits, FloatView logits, IntView labels,
        FloatView? weights, float gradScale, int N, int C)
        => _crossEntropy.Run(_stream, View(losses), ViewOrUnused(dlogits), dlogits.HasValue, View(logits), View(labels),
            ViewOrUnused(weights), weights.HasValue, gradScale, N, C);

    public void WeightedSum(FloatView result, FloatView values, FloatView? weights, long n)
        => _reductions.WeightedSum(_stream, View(result), View(values), ViewOrUnused(weights), weights.HasValue, n);

    public void SumOfSquares(FloatView result, FloatView values, long n) => _reductions.SumOfSquares(_stream, View(result), View(values), n);

    public void AdamStep(FloatView parameters, FloatView gradients, FloatView m, FloatView v, long n, AdamSettings settings, int t)
        => _adam.Step(_stream, View(parameters), View(gradients), View(m), View(v), n, settings, t);
}
