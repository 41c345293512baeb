using ILGPU.Algorithms;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Scalar functions kernels call: tanh and the exact-erf GELU pieces (XMath has no erf, and its tanh
/// becomes PTX tanh.approx, good to only ~5e-4), and the dropout mask.</summary>
internal static class DeviceMath
{
    public const float InvSqrt2 = 0.70710678118654752f;
    public const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>Complementary error function (Numerical Recipes' Chebyshev fit, fractional error &lt; 1.2e-7
    /// everywhere), so the GELU tail for negative x keeps its relative accuracy.</summary>
    public static float Erfc(float x)
    {
        float z = XMath.Abs(x);
        float t = 1f / (1f + 0.5f * z);
        float poly = -z * z - 1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f
                   + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f
                   + t * (-0.82215223f + t * 0.17087277f))))))));
        float r = t * XMath.Exp(poly);
        return x >= 0f ? r : 2f - r;
    }

    /// <summary>The standard normal CDF, Phi(x) = erfc(-x/sqrt 2)/2.</summary>
    public static float NormalCdf(float x) => 0.5f * Erfc(-x * InvSqrt2);

    public static float Gelu(float x) => x * NormalCdf(x);

    public static float GeluDerivative(float x) => NormalCdf(x) + x * InvSqrt2Pi * XMath.Exp(-0.5f * x * x);

    /// <summary>tanh from exp (PTX ex2.approx is accurate to ~2 ulp): a Taylor series near 0, where 1 - e^-2|x| would cancel.</summary>
    public static float Tanh(float x)
    {
        float a = XMath.Abs(x);
        if (a < 0.1f)
        {
            float x2 = x * x;
            return x * (1f + x2 * (-1f / 3f + x2 * (2f / 15f + x2 * (-17f / 315f + x2 * (62f / 2835f)))));
        }
        float e = XMath.Exp(-2f * a);
        float t = (1f - e) / (1f + e);
        return x < 0f ? -t : t;
    }

    /// <summary>The contract's SplitMix64 finalizer (Interop's DropoutRng.Mix64), constant for constant.</summary>
    public static ulong Mix64(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }

    public static uint Bits24(ulong key, long index) => (uint)(Mix64(key + (ulong)index * 0x9E3779B97F4A7C15UL) >> 40);

    /// <summary>Inverted dropout of one element: kept iff its 24 random bits reach the threshold.</summary>
    public static float Drop(float value, ulong key, uint threshold, float scale, long index)
        => Bits24(key, index) >= threshold ? value * scale : 0f;
}
