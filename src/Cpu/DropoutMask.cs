using System.Runtime.Intrinsics;
using BertNative.Contract;

namespace BertNative.Cpu;

/// <summary>
/// Applies the contract's dropout mask (<see cref="DropoutRng"/>) to a run of elements, 16 at a time: the SplitMix64
/// finalizer on eight 64-bit lanes twice (AVX-512 has the 64-bit multiply it needs), bit for bit the scalar RNG.
/// </summary>
internal static unsafe class DropoutMask
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>dst[i] = keep(firstIndex + i) ? src[i] * scale : 0 for i in [0, n). dst may equal src.</summary>
    public static void Apply(float* dst, float* src, long n, long firstIndex, Dropout dropout)
    {
        float scale = dropout.Scale;
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var threshold = Vector512.Create(dropout.Threshold);
            var scaleVector = Vector512.Create(scale);
            // Counter of lanes 0..7 and 8..15, advanced by 16 elements per step (wrapping, like the scalar form).
            var lower = Vector512.Create(dropout.Key + (ulong)firstIndex * Golden)
                        + Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7) * Golden;
            var upper = lower + Vector512.Create(unchecked(8 * Golden));
            var step = Vector512.Create(unchecked(16 * Golden));
            for (; i + 16 <= n; i += 16)
            {
                Masked(lower, upper, threshold, Vector512.Load(src + i), scaleVector).Store(dst + i);
                lower += step;
                upper += step;
            }
            int rest = (int)(n - i);
            if (rest > 0)
            {
                // The tail as one padded vector: rows of attention probabilities are short (46 of 64 on average).
                float* lanes = stackalloc float[16];
                new ReadOnlySpan<float>(src + i, rest).CopyTo(new Span<float>(lanes, 16));
                Masked(lower, upper, threshold, Vector512.Load(lanes), scaleVector).Store(lanes);
                new ReadOnlySpan<float>(lanes, rest).CopyTo(new Span<float>(dst + i, rest));
                return;
            }
        }
        for (; i < n; i++) dst[i] = DropoutRng.Keep(dropout, firstIndex + i) ? src[i] * scale : 0f;
    }

    /// <summary>The 16 values kept and scaled, or zeroed, by the hash of their two counter vectors.</summary>
    private static Vector512<float> Masked(Vector512<ulong> lower, Vector512<ulong> upper, Vector512<uint> threshold,
        Vector512<float> values, Vector512<float> scale)
    {
        var bits = Vector512.Narrow(Mix64(lower) >>> 40, Mix64(upper) >>> 40);
        var keep = Vector512.GreaterThanOrEqual(bits, threshold).AsSingle();
        return Vector512.ConditionalSelect(keep, values * scale, Vector512<float>.Zero);
    }

    private static Vector512<ulong> Mix64(Vector512<ulong> x)
    {
        x ^= x >>> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >>> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >>> 31;
        return x;
    }
}
