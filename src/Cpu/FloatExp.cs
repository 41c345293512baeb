using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertNative.Cpu;

/// <summary>
/// exp in single precision on 8 or 16 lanes, about 6x faster than <c>Vector256.Exp</c> (which works in double precision)
/// and as accurate: at most 1.4 ulp relative error over the normal range (Cephes' expf method: x = n ln2 + r with
/// ln2 split in two for an exact reduction, a degree-5 polynomial for e^r, then 2^n). 2^n is applied as two
/// halves so that every factor stays a normal float: results overflow to +inf above ~88.72, round gradually into
/// the subnormals below ~-87.34 and reach 0 near -104; NaN stays NaN. The softmaxes spend most of their time here.
/// </summary>
internal static class FloatExp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Exp<T>(T x) where T : struct, IFloatLanes<T>
    {
        var clamped = T.Min(T.Max(x, T.Splat(-104f)), T.Splat(89f));
        var n = T.Round(clamped * T.Splat(1.44269504088896341f));
        var r = T.Fma(n, T.Splat(-0.693359375f), clamped);
        r = T.Fma(n, T.Splat(2.12194440e-4f), r);
        var p = T.Splat(1.9875691500e-4f);
        p = T.Fma(p, r, T.Splat(1.3981999507e-3f));
        p = T.Fma(p, r, T.Splat(8.3334519073e-3f));
        p = T.Fma(p, r, T.Splat(4.1665795894e-2f));
        p = T.Fma(p, r, T.Splat(1.6666665459e-1f));
        p = T.Fma(p, r, T.Splat(5.0000001201e-1f));
        var expR = T.Fma(p, r * r, r) + T.Splat(1f);
        return T.KeepNaN(x, T.TimesPowerOfTwo(expR, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => Exp(new Lanes8(x)).V;

    public static float Exp(float x) => Exp(Vector256.Create(x)).ToScalar();
}
