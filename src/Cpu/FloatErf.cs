using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertNative.Cpu;

/// <summary>
/// erf in single precision, ~1e-7 relative error (Abramowitz-Stegun 7.1.26's 1.5e-7 absolute is too coarse near 0).
/// |x| &lt; 1: erf(x) = x P(x^2). 1 &lt;= |x| &lt; 4: erf(x) = 1 - exp(Q(|x| - 2.5) - x^2), where Q fits log(erfc(x)) + x^2.
/// |x| &gt;= 4: erf = +-1 in float. P (degree 6 in x^2) and Q (degree 9) are Chebyshev fits made for this project
/// with mpmath (fit error 1.2e-9 and 8e-9). The vector form evaluates both pieces and selects per lane.
/// </summary>
internal static unsafe class FloatErf
{
    public static float Erf(float x)
    {
        float ax = MathF.Abs(x);
        if (ax < 1f)
        {
            float s = x * x;
            float p = 7.875875063e-5f;
            p = MathF.FusedMultiplyAdd(p, s, -0.0008016864287f);
            p = MathF.FusedMultiplyAdd(p, s, 0.005189087423f);
            p = MathF.FusedMultiplyAdd(p, s, -0.02685421201f);
            p = MathF.FusedMultiplyAdd(p, s, 0.1128359472f);
            p = MathF.FusedMultiplyAdd(p, s, -0.3761262667f);
            p = MathF.FusedMultiplyAdd(p, s, 1.128379166f);
            return x * p;
        }
        if (ax >= 4f) return MathF.CopySign(1f, x);
        return MathF.CopySign(1f - FloatExp.Exp(LogErfcPlusSquare(ax) - ax * ax), x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LogErfcPlusSquare(float ax)
    {
        float t = ax - 2.5f;
        float q = -7.58268197e-8f;
        q = MathF.FusedMultiplyAdd(q, t, 1.615581148e-6f);
        q = MathF.FusedMultiplyAdd(q, t, -1.292569587e-5f);
        q = MathF.FusedMultiplyAdd(q, t, 7.738760363e-5f);
        q = MathF.FusedMultiplyAdd(q, t, -0.0004207916506f);
        q = MathF.FusedMultiplyAdd(q, t, 0.002165169871f);
        q = MathF.FusedMultiplyAdd(q, t, -0.01085811294f);
        q = MathF.FusedMultiplyAdd(q, t, 0.05610635545f);
        q = MathF.FusedMultiplyAdd(q, t, -0.3526807492f);
        return MathF.FusedMultiplyAdd(q, t, -1.556815277f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Erf<T>(T x) where T : struct, IFloatLanes<T>
    {
        var ax = T.Abs(x);
        var s = x * x;
        var p = T.Splat(7.875875063e-5f);
        p = T.Fma(p, s, T.Splat(-0.0008016864287f));
        p = T.Fma(p, s, T.Splat(0.005189087423f));
        p = T.Fma(p, s, T.Splat(-0.02685421201f));
        p = T.Fma(p, s, T.Splat(0.1128359472f));
        p = T.Fma(p, s, T.Splat(-0.3761262667f));
        p = T.Fma(p, s, T.Splat(1.128379166f));
        // Clamped at 4, the tail piece rounds to exactly 1 (erfc(4) = 1.5e-8).
        var a = T.Min(ax, T.Splat(4f));
        var t = a - T.Splat(2.5f);
        var q = T.Splat(-7.58268197e-8f);
        q = T.Fma(q, t, T.Splat(1.615581148e-6f));
        q = T.Fma(q, t, T.Splat(-1.292569587e-5f));
        q = T.Fma(q, t, T.Splat(7.738760363e-5f));
        q = T.Fma(q, t, T.Splat(-0.0004207916506f));
        q = T.Fma(q, t, T.Splat(0.002165169871f));
        q = T.Fma(q, t, T.Splat(-0.01085811294f));
        q = T.Fma(q, t, T.Splat(0.05610635545f));
        q = T.Fma(q, t, T.Splat(-0.3526807492f));
        q = T.Fma(q, t, T.Splat(-1.556815277f));
        var tail = T.CopySign(T.Splat(1f) - FloatExp.Exp(q - a * a), x);
        return T.SelectLess(ax, T.Splat(1f), x * p, tail);
    }

    /// <summary>y = GELU(x) over n elements (y may be x), on 16 lanes where the CPU has AVX-512.</summary>
    public static void Gelu(float* x, float* y, long n)
    {
        long i = Vector512.IsHardwareAccelerated ? GeluLanes<Lanes16>(x, y, n) : GeluLanes<Lanes8>(x, y, n);
        for (; i < n; i++) y[i] = Gelu(x[i]);
    }

    /// <summary>dx = dy GELU'(x) over n elements (dx may be dy).</summary>
    public static void GeluBackward(float* dx, float* dy, float* x, long n)
    {
        long i = Vector512.IsHardwareAccelerated ? GeluBackwardLanes<Lanes16>(dx, dy, x, n) : GeluBackwardLanes<Lanes8>(dx, dy, x, n);
        for (; i < n; i++) dx[i] = dy[i] * GeluDerivative(x[i]);
    }

    /// <summary>The whole vectors of <see cref="Gelu(float*, float*, long)"/>; returns how many elements it did.</summary>
    private static long GeluLanes<T>(float* x, float* y, long n) where T : struct, IFloatLanes<T>
    {
        long i = 0;
        for (; i + T.Count <= n; i += T.Count)
        {
            var v = T.Load(x + i);
            T.Store(T.Splat(0.5f) * v * (T.Splat(1f) + Erf(v * T.Splat(InvSqrt2))), y + i);
        }
        return i;
    }

    private static long GeluBackwardLanes<T>(float* dx, float* dy, float* x, long n) where T : struct, IFloatLanes<T>
    {
        long i = 0;
        for (; i + T.Count <= n; i += T.Count)
        {
            var v = T.Load(x + i);
            var cdf = T.Splat(0.5f) * (T.Splat(1f) + Erf(v * T.Splat(InvSqrt2)));
            var pdf = FloatExp.Exp(T.Splat(-0.5f) * v * v) * T.Splat(InvSqrt2Pi);
            T.Store(T.Load(dy + i) * T.Fma(v, pdf, cdf), dx + i);
        }
        return i;
    }

    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>GELU(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.</summary>
    public static float Gelu(float x) => 0.5f * x * (1f + Erf(x * InvSqrt2));

    /// <summary>GELU'(x) = Phi(x) + x phi(x).</summary>
    public static float GeluDerivative(float x) => 0.5f * (1f + Erf(x * InvSqrt2)) + x * InvSqrt2Pi * FloatExp.Exp(-0.5f * x * x);
}
