using System.Runtime.CompilerServices;

namespace BertNative.Interop.Cpu;

/// <summary>
/// erf in single precision, ~1e-7 relative error (Abramowitz-Stegun 7.1.26's 1.5e-7 absolute is too coarse near 0).
/// |x| &lt; 1: erf(x) = x P(x^2). 1 &lt;= |x| &lt; 4: erf(x) = 1 - exp(Q(|x| - 2.5) - x^2), where Q fits log(erfc(x)) + x^2.
/// |x| &gt;= 4: erf = +-1 in float. P (degree 6 in x^2) and Q (degree 9) are Chebyshev fits made for this project
/// with mpmath (fit error 1.2e-9 and 8e-9).
/// </summary>
internal static class FloatErf
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
        return MathF.CopySign(1f - MathF.Exp(LogErfcPlusSquare(ax) - ax * ax), x);
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

    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>GELU(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2.</summary>
    public static float Gelu(float x) => 0.5f * x * (1f + Erf(x * InvSqrt2));

    /// <summary>GELU'(x) = Phi(x) + x phi(x).</summary>
    public static float GeluDerivative(float x) => 0.5f * (1f + Erf(x * InvSqrt2)) + x * InvSqrt2Pi * MathF.Exp(-0.5f * x * x);
}
