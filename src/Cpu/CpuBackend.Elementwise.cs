using System.Runtime.Intrinsics;
using BertNative.Contract;

namespace BertNative.Cpu;

// Activations and inverted dropout: independent elements, split into contiguous chunks over the threads.
public sealed unsafe partial class CpuBackend
{
    private const long ElementwiseGrain = 16384;

    public void ActivationForward(Activation activation, FloatView output, FloatView input, long n)
    {
        float* y = Ptr(output, n), x = Ptr(input, n);
        _parallel.ForChunks(n, ElementwiseGrain, (_, start, end) =>
        {
            var src = HostSpan(x + start, end - start);
            var dst = HostSpan(y + start, end - start);
            switch (activation)
            {
                case Activation.Relu: Simd.Max(src, 0f, dst); break;
                case Activation.Tanh: for (int i = 0; i < src.Length; i++) dst[i] = MathF.Tanh(src[i]); break;
                case Activation.Gelu: FloatErf.Gelu(x + start, y + start, end - start); break;
                default: throw new ArgumentOutOfRangeException(nameof(activation));
            }
        });
    }

    public void ActivationBackward(Activation activation, FloatView dinput, FloatView doutput, FloatView input, FloatView output, long n)
    {
        float* dx = Ptr(dinput, n), dy = Ptr(doutput, n);
        float* x = activation == Activation.Tanh ? null : Ptr(input, n);
        float* y = activation == Activation.Tanh ? Ptr(output, n) : null;
        _parallel.ForChunks(n, ElementwiseGrain, (_, start, end) =>
        {
            switch (activation)
            {
                case Activation.Relu: ReluBackward(dx + start, dy + start, x + start, end - start); break;
                case Activation.Tanh: for (long i = start; i < end; i++) dx[i] = dy[i] * (1f - y[i] * y[i]); break;
                case Activation.Gelu: FloatErf.GeluBackward(dx + start, dy + start, x + start, end - start); break;
                default: throw new ArgumentOutOfRangeException(nameof(activation));
            }
        });
    }

    private static void ReluBackward(float* dx, float* dy, float* x, long n)
    {
        long i = 0;
        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
        {
            var positive = Vector256.GreaterThan(Vector256.Load(x + i), Vector256<float>.Zero);
            Vector256.ConditionalSelect(positive, Vector256.Load(dy + i), Vector256<float>.Zero).Store(dx + i);
        }
        for (; i < n; i++) dx[i] = x[i] > 0f ? dy[i] : 0f;
    }

    public void DropoutForward(FloatView output, FloatView input, long n, Dropout dropout) => DropoutOp(output, input, n, dropout);

    public void DropoutBackward(FloatView dinput, FloatView doutput, long n, Dropout dropout) => DropoutOp(dinput, doutput, n, dropout);

    private void DropoutOp(FloatView destination, FloatView source, long n, Dropout dropout)
    {
        float* dst = Ptr(destination, n), src = Ptr(source, n);
        _parallel.ForChunks(n, ElementwiseGrain, (_, start, end) =>
        {
            if (dropout.IsActive) DropoutMask.Apply(dst + start, src + start, end - start, start, dropout);
            else if (dst != src) Buffer.MemoryCopy(src + start, dst + start, (end - start) * sizeof(float), (end - start) * sizeof(float));
        });
    }
}
