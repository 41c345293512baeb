using System.Runtime.Intrinsics.X86;

namespace BertNative.Cpu.Gemm;

/// <summary>Transposes an 8 x 8 float block in AVX registers (unpack, shuffle, swap 128-bit halves): packing a
/// row-major A into 8-row micro-panels, or a transposed B into 32-column micro-panels, is this 8 x 8 at a time.</summary>
internal static unsafe class Transpose8x8
{
    public static bool IsSupported => Avx.IsSupported;

    /// <summary>dst[c * dstLd + r] = src[r * ld + c] for r, c in [0, 8).</summary>
    public static void Run(float* src, long ld, float* dst, long dstLd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + ld);
        var r2 = Avx.LoadVector256(src + 2 * ld);
        var r3 = Avx.LoadVector256(src + 3 * ld);
        var r4 = Avx.LoadVector256(src + 4 * ld);
        var r5 = Avx.LoadVector256(src + 5 * ld);
        var r6 = Avx.LoadVector256(src + 6 * ld);
        var r7 = Avx.LoadVector256(src + 7 * ld);
        // Interleave pairs of rows, then pairs of pairs: each 128-bit lane then holds 4 x 4 transposed blocks.
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstLd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstLd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstLd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstLd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstLd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstLd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstLd, Avx.Permute2x128(s3, s7, 0x31));
    }
}
