namespace BertNative.Contract;

/// <summary>
/// Inverted dropout whose mask every backend reproduces bit for bit: element <c>i</c> of a
/// dropout site is kept iff <c>Bits24(Key, i) &gt;= Threshold</c>, and kept values are scaled
/// by <see cref="Scale"/>. The key is derived on the host from (seed, step, site), so the
/// mask is a pure function of (seed, step, site, element) and never has to be stored.
/// </summary>
public readonly record struct Dropout(float P, ulong Key)
{
    /// <summary>No dropout: the op is the identity (inference, or p = 0).</summary>
    public static Dropout None => new(0f, 0);

    public bool IsActive => P > 0f;

    /// <summary>Keep iff the element's 24 random bits are at least this.</summary>
    public uint Threshold => (uint)Math.Ceiling(P * 16777216.0);

    public float Scale => P >= 1f ? 0f : 1f / (1f - P);

    /// <summary>The same mask, starting <paramref name="elements"/> further into the stream: element i of the result is
    /// element <paramref name="elements"/> + i of this one. A part of a batch draws the whole batch's mask with it.</summary>
    public Dropout Skip(long elements) => IsActive ? this with { Key = Key + (ulong)elements * DropoutRng.Gamma } : this;

    /// <summary>The dropout of one site (a layer's attention weights, say) at one training step.</summary>
    public static Dropout For(float p, ulong seed, long step, int site)
    {
        if (p < 0f || p >= 1f) throw new ArgumentOutOfRangeException(nameof(p), $"dropout {p} must be in [0, 1)");
        if (p == 0f) return None;
        ulong key = DropoutRng.Mix64(DropoutRng.Mix64(seed ^ 0x5851F42D4C957F2DUL)
                                     + (ulong)step * 0x9E3779B97F4A7C15UL
                                     + (ulong)site * 0xC2B2AE3D27D4EB4FUL);
        return new Dropout(p, key);
    }
}

/// <summary>The counter-based generator behind <see cref="Dropout"/> (a SplitMix64 finalizer).
/// The CUDA and ILGPU kernels implement these two functions with the same constants.</summary>
public static class DropoutRng
{
    /// <summary>The stream's step per element (the golden ratio in 64 bits).</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    public static ulong Mix64(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return x;
    }

    /// <summary>24 uniform random bits for element <paramref name="index"/> of the stream <paramref name="key"/>.</summary>
    public static uint Bits24(ulong key, long index) => (uint)(Mix64(key + (ulong)index * Gamma) >> 40);

    public static bool Keep(in Dropout d, long index) => Bits24(d.Key, index) >= d.Threshold;
}
