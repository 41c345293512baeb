using System.Runtime.CompilerServices;
using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>
/// The ops: each checks that its views are large enough for the shape (the kernels trust them),
/// turns views into device addresses and calls the matching bn_* function on the stream.
/// </summary>
public sealed partial class CudaBackend
{
    public void EmbeddingForward(FloatView output, IntView tokens, IntView segments,
        FloatView tokenTable, FloatView segmentTable, FloatView positionTable, int B, int T, int H)
    {
        long rows = (long)B * T;
        Need(output, rows * H); Need(tokens, rows); Need(segments, rows);
        Need(segmentTable, 2L * H); Need(positionTable, (long)T * H);
        CudaCheck.Ok(CudaNative.bn_embedding_forward(Ptr(output), Ptr(tokens), Ptr(segments), Ptr(tokenTable),
            Ptr(segmentTable), Ptr(positionTable), B, T, H, _stream));
    }

    public void EmbeddingBackward(FloatView dTokenTable, FloatView dSegmentTable, FloatView? dPositionTable,
        FloatView doutput, IntView tokens, IntView segments, int B, int T, int H)
    {
        long rows = (long)B * T;
        Need(doutput, rows * H); Need(tokens, rows); Need(segments, rows); Need(dSegmentTable, 2L * H);
        if (dPositionTable is { } dp) Need(dp, (long)T * H);
        CudaCheck.Ok(CudaNative.bn_embedding_backward(_context, Ptr(dTokenTable), Ptr(dSegmentTable), Ptr(dPositionTable),
            Ptr(doutput), Ptr(tokens), Ptr(segments), B, T, H, _stream));
    }

    public void MatmulForward(FloatView output, FloatView input, FloatView weight, FloatView? bias, int N, int I, int O)
    {
        Need(output, (long)N * O); Need(input, (long)N * I); Need(weight, (long)O * I);
        if (bias is { } b) Need(b, O);
        CudaCheck.Ok(CudaNative.bn_matmul_forward(_context, Ptr(output), Ptr(input), Ptr(weight), Ptr(bias), N, I, O, _stream));
    }

    public void MatmulBackward(FloatView? dinput, bool accumulateInput, FloatView dweight, FloatView? dbias,
        FloatView doutput, FloatView input, FloatView weight, int N, int I, int O)
    {
        if (dinput is { } di) Need(di, (long)N * I);
        if (dbias is { } db) Need(db, O);
        Need(dweight, (long)O * I); Need(doutput, (long)N * O); Need(input, (long)N * I); Need(weight, (long)O * I);
        CudaCheck.Ok(CudaNative.bn_matmul_backward(_context, Ptr(dinput), accumulateInput ? 1 : 0, Ptr(dweight), Ptr(dbias),
            Ptr(doutput), Ptr(input), Ptr(weight), N, I, O, _stream));
    }

    public void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens, IntView? keyMask,
        int B, int T, int H, int heads, Dropout dropout)
    {
        Need(output, (long)B * T * H); Need(probs, (long)B * heads * T * T); Need(qkv, (long)B * T * 3 * H); Need(validLens, B);
        if (keyMask is { } mask) Need(mask, (long)B * T);
        CudaCheck.Ok(CudaNative.bn_attention_forward(_context, Ptr(output), Ptr(probs), Ptr(qkv), Ptr(validLens), Ptr(keyMask),
            B, T, H, heads, dropout.P, dropout.Key, dropout.Threshold, dropout.Scale, _stream));
    }

    public void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout)
    {
        Need(dqkv, (long)B * T * 3 * H); Need(doutput, (long)B * T * H); Need(qkv, (long)B * T * 3 * H);
        Need(probs, (long)B * heads * T * T); Need(validLens, B);
        CudaCheck.Ok(CudaNative.bn_attention_backward(_context, Ptr(dqkv), Ptr(doutput), Ptr(qkv), Ptr(probs), Ptr(validLens),
            B, T, H, heads, dropout.P, dropout.Key, dropout.Threshold, dropout.Scale, _stream));
    }

    public void LayerNormForward(FloatView output, FloatView mean, FloatView rstd, FloatView input,
        FloatView gamma, FloatView beta, int N, int C, float epsilon)
    {
        Need(output, (long)N * C); Need(mean, N); Need(rstd, N); Need(input, (long)N * C); Need(gamma, C); Need(beta, C);
        CudaCheck.Ok(CudaNative.bn_layernorm_forward(Ptr(output), Ptr(mean), Ptr(rstd), Ptr(input), Ptr(gamma), Ptr(beta),
            N, C, epsilon, _stream));
    }

    public void ResidualLayerNormForward(FloatView output, FloatView residual, FloatView mean, FloatView rstd,
        FloatView a, FloatView b, FloatView gamma, FloatView beta, int N, int C, float epsilon, Dropout dropout)
    {
        Need(output, (long)N * C); Need(residual, (long)N * C); Need(mean, N); Need(rstd, N);
        Need(a, (long)N * C); Need(b, (long)N * C); Need(gamma, C); Need(beta, C);
        CudaCheck.Ok(CudaNative.bn_residual_layernorm_forward(Ptr(output), Ptr(residual), Ptr(mean), Ptr(rstd), Ptr(a), Ptr(b),
            Ptr(gamma), Ptr(beta), N, C, epsilon, dropout.P, dropout.Key, dropout.Threshold, dropout.Scale, _stream));
    }

    public void LayerNormBackward(FloatView dinput, FloatView dgamma, FloatView dbeta, FloatView doutput,
        FloatView input, FloatView gamma, FloatView mean, FloatView rstd, int N, int C)
    {
        Need(dinput, (long)N * C); Need(dgamma, C); Need(dbeta, C); Need(doutput, (long)N * C); Need(input, (long)N * C);
        Need(gamma, C); Need(mean, N); Need(rstd, N);
        CudaCheck.Ok(CudaNative.bn_layernorm_backward(_context, Ptr(dinput), Ptr(dgamma), Ptr(dbeta), Ptr(doutput), Ptr(input),
            Ptr(gamma), Ptr(mean), Ptr(rstd), N, C, _stream));
    }

    public void ActivationForward(Activation activation, FloatView output, FloatView input, long n)
    {
        Need(output, n); Need(input, n);
        CudaCheck.Ok(CudaNative.bn_activation_forward((int)activation, Ptr(output), Ptr(input), n, _stream));
    }

    public void ActivationBackward(Activation activation, FloatView dinput, FloatView doutput, FloatView input, FloatView output, long n)
    {
        Need(dinput, n); Need(doutput, n); Need(input, n); Need(output, n);
        CudaCheck.Ok(CudaNative.bn_activation_backward((int)activation, Ptr(dinput), Ptr(doutput), Ptr(input), Ptr(output), n, _stream));
    }

    public void DropoutForward(FloatView output, FloatView input, long n, Dropout dropout) => ApplyDropout(output, input, n, dropout);

    public void DropoutBackward(FloatView dinput, FloatView doutput, long n, Dropout dropout) => ApplyDropout(dinput, doutput, n, dropout);

    // Both directions multiply by the same mask.
    void ApplyDropout(FloatView output, FloatView input, long n, Dropout dropout)
    {
        Need(output, n); Need(input, n);
        CudaCheck.Ok(CudaNative.bn_dropout(Ptr(output), Ptr(input), n, dropout.P, dropout.Key, dropout.Threshold, dropout.Scale, _stream));
    }

    public void GatherForward(FloatView output, FloatView input, IntView positions, int B, int T, int P, int C)
    {
        Need(output, (long)B * P * C); Need(input, (long)B * T * C); Need(positions, (long)B * P);
        CudaCheck.Ok(CudaNative.bn_gather_forward(Ptr(output), Ptr(input), Ptr(positions), B, T, P, C, _stream));
    }

    public void GatherBackward(FloatView dinput, FloatView doutput, IntView positions, int B, int T, int P, int C)
    {
        Need(dinput, (long)B * T * C); Need(doutput, (long)B * P * C); Need(positions, (long)B * P);
        CudaCheck.Ok(CudaNative.bn_gather_backward(Ptr(dinput), Ptr(doutput), Ptr(positions), B, T, P, C, _stream));
    }

    public void SoftmaxCrossEntropy(FloatView losses, FloatView? dlogits, FloatView logits, IntView labels,
        FloatView? weights, float gradScale, int N, int C)
    {
        Need(losses, N); Need(logits, (long)N * C); Need(labels, N);
        if (dlogits is { } d) Need(d, (long)N * C);
        if (weights is { } w) Need(w, N);
        CudaCheck.Ok(CudaNative.bn_softmax_cross_entropy(Ptr(losses), Ptr(dlogits), Ptr(logits), Ptr(labels), Ptr(weights),
            gradScale, N, C, _stream));
    }

    public void WeightedSum(FloatView result, FloatView values, FloatView? weights, long n)
    {
        Need(result, 1); Need(values, n);
        if (weights is { } w) Need(w, n);
        CudaCheck.Ok(CudaNative.bn_weighted_sum(_context, Ptr(result), Ptr(values), Ptr(weights), n, _stream));
    }

    public void SumOfSquares(FloatView result, FloatView values, long n)
    {
        Need(result, 1); Need(values, n);
        CudaCheck.Ok(CudaNative.bn_sum_of_squares(_context, Ptr(result), Ptr(values), n, _stream));
    }

    public void AdamStep(FloatView parameters, FloatView gradients, FloatView m, FloatView v, long n, AdamSettings settings, int t)
    {
        Need(parameters, n); Need(gradients, n); Need(m, n); Need(v, n);
        CudaCheck.Ok(CudaNative.bn_adam_step(Ptr(parameters), Ptr(gradients), Ptr(m), Ptr(v), n, settings.LearningRate,
            settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay, settings.GradientScale, t, _stream));
    }

    static nint Ptr(FloatView view) => Address(view.Buffer, view.Offset);
    static nint Ptr(FloatView? view) => view is { } v ? Ptr(v) : 0;
    static nint Ptr(IntView view) => Address(view.Buffer, view.Offset);
    static nint Ptr(IntView? view) => view is { } v ? Ptr(v) : 0;

    static nint Address(DeviceBuffer buffer, long offset) => buffer is CudaBuffer cuda
        ? cuda.Pointer + (nint)(offset * buffer.ElementSize)
        : throw new ArgumentException($"a {buffer.GetType().Name} passed to the cuda backend");

    static void Need(FloatView view, long count, [CallerArgumentExpression(nameof(view))] string name = "") => Need(view.Count, count, name);
    static void Need(IntView view, long count, [CallerArgumentExpression(nameof(view))] string name = "") => Need(view.Count, count, name);

    static void Need(long have, long count, string name)
    {
        if (have < count) throw new ArgumentException($"{name} holds {have} elements, the shape needs {count}");
    }
}
