using System.Diagnostics;
using BertNative.Contract;

namespace BertNative.Bench.Profiling;

/// <summary>
/// A decorator that times every op of the backend it wraps: each call synchronises the device
/// before and after, so the time is the op's own. For profiling only (the syncs cost throughput).
/// </summary>
public sealed class TimedBackend(IBackend inner) : IBackend
{
    private readonly Dictionary<string, (double Milliseconds, int Calls)> _times = [];

    public string Name => inner.Name;
    public int RowMultiple => inner.RowMultiple;
    public string DeviceDescription => inner.DeviceDescription;

    /// <summary>Milliseconds and call counts per op since the last <see cref="Reset"/>, slowest first.</summary>
    public IEnumerable<(string Op, double Milliseconds, int Calls)> Times =>
        _times.OrderByDescending(t => t.Value.Milliseconds).Select(t => (t.Key, t.Value.Milliseconds, t.Value.Calls));

    public void Reset() => _times.Clear();

    private void Time(string op, Action run)
    {
        inner.Synchronize();
        var clock = Stopwatch.StartNew();
        run();
        inner.Synchronize();
        var (ms, calls) = _times.GetValueOrDefault(op);
        _times[op] = (ms + clock.Elapsed.TotalMilliseconds, calls + 1);
    }

    public FloatView AllocateFloats(long count) => inner.AllocateFloats(count);
    public IntView AllocateInts(long count) => inner.AllocateInts(count);
    public void Upload(FloatView destination, ReadOnlySpan<float> source) => inner.Upload(destination, source);
    public void Upload(IntView destination, ReadOnlySpan<int> source) => inner.Upload(destination, source);
    public void Download(FloatView source, Span<float> destination) => inner.Download(source, destination);
    public void Download(IntView source, Span<int> destination) => inner.Download(source, destination);
    public void Zero(FloatView destination) => Time(nameof(Zero), () => inner.Zero(destination));
    public void Copy(FloatView destination, FloatView source) => Time(nameof(Copy), () => inner.Copy(destination, source));
    public void Synchronize() => inner.Synchronize();
    public void Dispose() => inner.Dispose();

    public void EmbeddingForward(FloatView output, IntView tokens, IntView segments, FloatView tokenTable, FloatView segmentTable, FloatView positionTable, int B, int T, int H) =>
        Time(nameof(EmbeddingForward), () => inner.EmbeddingForward(output, tokens, segments, tokenTable, segmentTable, positionTable, B, T, H));

    public void EmbeddingBackward(FloatView dTokenTable, FloatView dSegmentTable, FloatView? dPositionTable, FloatView doutput, IntView tokens, IntView segments, int B, int T, int H) =>
        Time(nameof(EmbeddingBackward), () => inner.EmbeddingBackward(dTokenTable, dSegmentTable, dPositionTable, doutput, tokens, segments, B, T, H));

    // The MLM decoder (O = vocabulary) dominates a step: it gets its own row.
    public void MatmulForward(FloatView output, FloatView input, FloatView weight, FloatView? bias, int N, int I, int O) =>
        Time(O > 4 * I ? "MatmulForward (decoder)" : nameof(MatmulForward), () => inner.MatmulForward(output, input, weight, bias, N, I, O));

    public void MatmulBackward(FloatView? dinput, bool accumulateInput, FloatView dweight, FloatView? dbias, FloatView doutput, FloatView input, FloatView weight, int N, int I, int O) =>
        Time(O > 4 * I ? "MatmulBackward (decoder)" : nameof(MatmulBackward), () => inner.MatmulBackward(dinput, accumulateInput, dweight, dbias, doutput, input, weight, N, I, O));

    public void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens, IntView? keyMask, int B, int T, int H, int heads, Dropout dropout) =>
        Time(nameof(AttentionForward), () => inner.AttentionForward(output, probs, qkv, validLens, keyMask, B, T, H, heads, dropout));

    public void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens, int B, int T, int H, int heads, Dropout dropout) =>
        Time(nameof(AttentionBackward), () => inner.AttentionBackward(dqkv, doutput, qkv, probs, validLens, B, T, H, heads, dropout));

    public void LayerNormForward(FloatView output, FloatView mean, FloatView rstd, FloatView input, FloatView gamma, FloatView beta, int N, int C, float epsilon) =>
        Time(nameof(LayerNormForward), () => inner.LayerNormForward(output, mean, rstd, input, gamma, beta, N, C, epsilon));

    public void ResidualLayerNormForward(FloatView output, FloatView residual, FloatView mean, FloatView rstd, FloatView a, FloatView b, FloatView gamma, FloatView beta, int N, int C, float epsilon, Dropout dropout) =>
        Time(nameof(ResidualLayerNormForward), () => inner.ResidualLayerNormForward(output, residual, mean, rstd, a, b, gamma, beta, N, C, epsilon, dropout));

    public void LayerNormBackward(FloatView dinput, FloatView dgamma, FloatView dbeta, FloatView doutput, FloatView input, FloatView gamma, FloatView mean, FloatView rstd, int N, int C) =>
        Time(nameof(LayerNormBackward), () => inner.LayerNormBackward(dinput, dgamma, dbeta, doutput, input, gamma, mean, rstd, N, C));

    public void ActivationForward(Activation activation, FloatView output, FloatView input, long n) =>
        Time(nameof(ActivationForward), () => inner.ActivationForward(activation, output, input, n));

    public void ActivationBackward(Activation activation, FloatView dinput, FloatView doutput, FloatView input, FloatView output, long n) =>
        Time(nameof(ActivationBackward), () => inner.ActivationBackward(activation, dinput, doutput, input, output, n));

    public void DropoutForward(FloatView output, FloatView input, long n, Dropout dropout) =>
        Time(nameof(DropoutForward), () => inner.DropoutForward(output, input, n, dropout));

    public void DropoutBackward(FloatView dinput, FloatView doutput, long n, Dropout dropout) =>
        Time(nameof(DropoutBackward), () => inner.DropoutBackward(dinput, doutput, n, dropout));

    public void GatherForward(FloatView output, FloatView input, IntView positions, int B, int T, int P, int C) =>
        Time(nameof(GatherForward), () => inner.GatherForward(output, input, positions, B, T, P, C));

    public void GatherBackward(FloatView dinput, FloatView doutput, IntView positions, int B, int T, int P, int C) =>
        Time(nameof(GatherBackward), () => inner.GatherBackward(dinput, doutput, positions, B, T, P, C));

    public void SoftmaxCrossEntropy(FloatView losses, FloatView? dlogits, FloatView logits, IntView labels, FloatView? weights, float gradScale, int N, int C) =>
        Time(nameof(SoftmaxCrossEntropy), () => inner.SoftmaxCrossEntropy(losses, dlogits, logits, labels, weights, gradScale, N, C));

    public void WeightedSum(FloatView result, FloatView values, FloatView? weights, long n) =>
        Time(nameof(WeightedSum), () => inner.WeightedSum(result, values, weights, n));

    public void SumOfSquares(FloatView result, FloatView values, long n) =>
        Time(nameof(SumOfSquares), () => inner.SumOfSquares(result, values, n));

    public void AdamStep(FloatView parameters, FloatView gradients, FloatView m, FloatView v, long n, AdamSettings settings, int t) =>
        Time(nameof(AdamStep), () => inner.AdamStep(parameters, gradients, m, v, n, settings, t));
}
