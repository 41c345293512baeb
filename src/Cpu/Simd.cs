using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertNative.Cpu;

/// <summary>
/// The vector loops the ops are built from (System.Numerics.Tensors is not part of the shared framework, and the
/// project adds no package for a dozen loops). The elementwise ops use Vector256 throughout: it runs on any AVX2
/// machine, and on AVX-512 hardware such as Zen 4, which splits 512-bit operations in two, these memory-bound
/// loops run no faster with Vector512 (the GEMM kernel, the 64-bit dropout hash and the compute-bound exp and
/// erf of <see cref="FloatExp"/> and <see cref="FloatErf"/> use AVX-512 where present).
/// Destinations may be the same span as an input (in place), never partly overlapping.
/// </summary>
internal static class Simd
{
    private static int Width => Vector256<float>.Count;

    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), py = ref Start(y, destination.Length), pd = ref Start(destination);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            (Load(ref px, i) + Load(ref py, i)).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = x[i] + y[i];
    }

    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), py = ref Start(y, destination.Length), pd = ref Start(destination);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            (Load(ref px, i) * Load(ref py, i)).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = x[i] * y[i];
    }

    /// <summary>destination = x * scale + shift.</summary>
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), pd = ref Start(destination);
        var s = Vector256.Create(scale);
        var t = Vector256.Create(shift);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            Vector256.FusedMultiplyAdd(Load(ref px, i), s, t).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = MathF.FusedMultiplyAdd(x[i], scale, shift);
    }

    /// <summary>destination = x * y + addend.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> addend, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), py = ref Start(y, destination.Length);
        ref float pa = ref Start(addend, destination.Length), pd = ref Start(destination);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            Vector256.FusedMultiplyAdd(Load(ref px, i), Load(ref py, i), Load(ref pa, i)).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = MathF.FusedMultiplyAdd(x[i], y[i], addend[i]);
    }

    /// <summary>destination = x * scale + addend.</summary>
    public static void MultiplyAdd(ReadOnlySpan<float> x, float scale, ReadOnlySpan<float> addend, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), pa = ref Start(addend, destination.Length), pd = ref Start(destination);
        var s = Vector256.Create(scale);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            Vector256.FusedMultiplyAdd(Load(ref px, i), s, Load(ref pa, i)).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = MathF.FusedMultiplyAdd(x[i], scale, addend[i]);
    }

    /// <summary>destination = max(x, floor) (ReLU with floor 0).</summary>
    public static void Max(ReadOnlySpan<float> x, float floor, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), pd = ref Start(destination);
        var f = Vector256.Create(floor);
        int i = 0;
        for (; i + Width <= destination.Length; i += Width)
            Vector256.Max(Load(ref px, i), f).StoreUnsafe(ref pd, (nuint)i);
        for (; i < destination.Length; i++) destination[i] = MathF.Max(x[i], floor);
    }

    /// <summary>destination = exp(x - shift) (<see cref="FloatExp"/>); returns the sum of destination.</summary>
    public static float ExpShifted(ReadOnlySpan<float> x, float shift, Span<float> destination)
    {
        ref float px = ref Start(x, destination.Length), pd = ref Start(destination);
        var s = Vector256.Create(shift);
        var sum = Vector256<float>.Zero;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // exp on 16 lanes (compute-bound), summed as two 8-lane halves in order: the same bits as 8 lanes.
            var s16 = Vector512.Create(shift);
            for (; i + 2 * Width <= destination.Length; i += 2 * Width)
            {
                var e = FloatExp.Exp(new Lanes16(Vector512.LoadUnsafe(ref px, (nuint)i) - s16)).V;
                e.StoreUnsafe(ref pd, (nuint)i);
                sum += e.GetLower();
                sum += e.GetUpper();
            }
        }
        for (; i + Width <= destination.Length; i += Width)
        {
            var e = FloatExp.Exp(Load(ref px, i) - s);
            e.StoreUnsafe(ref pd, (nuint)i);
            sum += e;
        }
        float total = Vector256.Sum(sum);
        int rest = destination.Length - i;
        if (rest > 0)
        {
            // The tail as one padded vector (a row of 46 attention scores has 6 left over).
            Span<float> lanes = stackalloc float[Vector256<float>.Count];
            x.Slice(i, rest).CopyTo(lanes);
            (FloatExp.Exp(Vector256.Create<float>(lanes) - s)).CopyTo(lanes);
            for (int lane = 0; lane < rest; lane++) total += destination[i + lane] = lanes[lane];
        }
        return total;
    }

    public static float Max(ReadOnlySpan<float> x)
    {
        ref float px = ref Start(x);
        int i = 0;
        float max = float.NegativeInfinity;
        if (x.Length >= Width)
        {
            var acc = Load(ref px, 0);
            for (i = Width; i + Width <= x.Length; i += Width) acc = Vector256.Max(acc, Load(ref px, i));
            max = acc[0];
            for (int lane = 1; lane < Width; lane++) max = MathF.Max(max, acc[lane]);
        }
        for (; i < x.Length; i++) max = MathF.Max(max, x[i]);
        return max;
    }

    public static float Sum(ReadOnlySpan<float> x)
    {
        ref float px = ref Start(x);
        var acc = Vector256<float>.Zero;
        int i = 0;
        for (; i + Width <= x.Length; i += Width) acc += Load(ref px, i);
        float sum = Vector256.Sum(acc);
        for (; i < x.Length; i++) sum += x[i];
        return sum;
    }

    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        ref float px = ref Start(x), py = ref Start(y, x.Length);
        var acc = Vector256<float>.Zero;
        int i = 0;
        for (; i + Width <= x.Length; i += Width) acc = Vector256.FusedMultiplyAdd(Load(ref px, i), Load(ref py, i), acc);
        float sum = Vector256.Sum(acc);
        for (; i < x.Length; i++) sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float start, int offset) => Vector256.LoadUnsafe(ref start, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Start(Span<float> span) => ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Start(ReadOnlySpan<float> span, int minLength = 0)
    {
        if (span.Length < minLength) throw new ArgumentException($"a span of {span.Length} is shorter than {minLength}");
        return ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);
    }
}
