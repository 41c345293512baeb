using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertNative.Cpu;

/// <summary>
/// A float vector of 8 or 16 lanes, so that the element-wise math (exp, erf, GELU) is written once and runs on
/// AVX-512's 16 lanes where the CPU has them. .NET's own ISimdVector is not public; a struct implementing this
/// with static abstract members is specialised by the JIT per width and compiles to the same instructions as
/// Vector256/Vector512 code written by hand (measured: GELU over 19M floats, 27 ms vs 29 ms by hand, 47 ms on 8 lanes).
/// Every operation works lane by lane, so both widths give the same bits.
/// </summary>
internal unsafe interface IFloatLanes<TSelf> where TSelf : struct, IFloatLanes<TSelf>
{
    static abstract int Count { get; }
    static abstract TSelf Load(float* source);
    static abstract void Store(TSelf value, float* destination);
    static abstract TSelf Splat(float x);
    static abstract TSelf operator +(TSelf a, TSelf b);
    static abstract TSelf operator -(TSelf a, TSelf b);
    static abstract TSelf operator *(TSelf a, TSelf b);
    /// <summary>a * b + c, rounded once.</summary>
    static abstract TSelf Fma(TSelf a, TSelf b, TSelf c);
    static abstract TSelf Min(TSelf a, TSelf b);
    static abstract TSelf Max(TSelf a, TSelf b);
    static abstract TSelf Abs(TSelf a);
    static abstract TSelf Round(TSelf a);
    static abstract TSelf CopySign(TSelf value, TSelf sign);
    /// <summary>Per lane: a &lt; b ? ifLess : otherwise.</summary>
    static abstract TSelf SelectLess(TSelf a, TSelf b, TSelf ifLess, TSelf otherwise);
    /// <summary>Per lane: x is NaN ? x : ifNumber.</summary>
    static abstract TSelf KeepNaN(TSelf x, TSelf ifNumber);
    /// <summary>a * 2^n for integral n in [-127, 254], as two power-of-two factors that each stay a normal float.</summary>
    static abstract TSelf TimesPowerOfTwo(TSelf a, TSelf n);
}

internal readonly unsafe struct Lanes8(Vector256<float> v) : IFloatLanes<Lanes8>
{
    public readonly Vector256<float> V = v;
    public static int Count => Vector256<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Load(float* source) => new(Vector256.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes8 value, float* destination) => value.V.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Splat(float x) => new(Vector256.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator +(Lanes8 a, Lanes8 b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator -(Lanes8 a, Lanes8 b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 operator *(Lanes8 a, Lanes8 b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Fma(Lanes8 a, Lanes8 b, Lanes8 c) => new(Vector256.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Min(Lanes8 a, Lanes8 b) => new(Vector256.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Max(Lanes8 a, Lanes8 b) => new(Vector256.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Abs(Lanes8 a) => new(Vector256.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 Round(Lanes8 a) => new(Vector256.Round(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes8 CopySign(Lanes8 value, Lanes8 sign) => new(Vector256.CopySign(value.V, sign.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 SelectLess(Lanes8 a, Lanes8 b, Lanes8 ifLess, Lanes8 otherwise) => new(Vector256.ConditionalSelect(Vector256.LessThan(a.V, b.V), ifLess.V, otherwise.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 KeepNaN(Lanes8 x, Lanes8 ifNumber) => new(Vector256.ConditionalSelect(Vector256.Equals(x.V, x.V), ifNumber.V, x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes8 TimesPowerOfTwo(Lanes8 a, Lanes8 n)
    {
        var exponent = Vector256.ConvertToInt32(n.V);
        var half = exponent >> 1;
        var bias = Vector256.Create(127);
        return new(a.V * ((half + bias) << 23).AsSingle() * ((exponent - half + bias) << 23).AsSingle());
    }
}

internal readonly unsafe struct Lanes16(Vector512<float> v) : IFloatLanes<Lanes16>
{
    public readonly Vector512<float> V = v;
    public static int Count => Vector512<float>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Load(float* source) => new(Vector512.Load(source));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Lanes16 value, float* destination) => value.V.Store(destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Splat(float x) => new(Vector512.Create(x));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator +(Lanes16 a, Lanes16 b) => new(a.V + b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator -(Lanes16 a, Lanes16 b) => new(a.V - b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 operator *(Lanes16 a, Lanes16 b) => new(a.V * b.V);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Fma(Lanes16 a, Lanes16 b, Lanes16 c) => new(Vector512.FusedMultiplyAdd(a.V, b.V, c.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Min(Lanes16 a, Lanes16 b) => new(Vector512.Min(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Max(Lanes16 a, Lanes16 b) => new(Vector512.Max(a.V, b.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Abs(Lanes16 a) => new(Vector512.Abs(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 Round(Lanes16 a) => new(Vector512.Round(a.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Lanes16 CopySign(Lanes16 value, Lanes16 sign) => new(Vector512.CopySign(value.V, sign.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 SelectLess(Lanes16 a, Lanes16 b, Lanes16 ifLess, Lanes16 otherwise) => new(Vector512.ConditionalSelect(Vector512.LessThan(a.V, b.V), ifLess.V, otherwise.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 KeepNaN(Lanes16 x, Lanes16 ifNumber) => new(Vector512.ConditionalSelect(Vector512.Equals(x.V, x.V), ifNumber.V, x.V));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes16 TimesPowerOfTwo(Lanes16 a, Lanes16 n)
    {
        var exponent = Vector512.ConvertToInt32(n.V);
        var half = exponent >> 1;
        var bias = Vector512.Create(127);
        return new(a.V * ((half + bias) << 23).AsSingle() * ((exponent - half + bias) << 23).AsSingle());
    }
}
