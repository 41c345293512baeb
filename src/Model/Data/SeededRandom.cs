namespace BertNative.Model.Data;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Our own generator rather than System.Random so a seed
/// gives the same examples on every .NET version and platform, forever.
/// </summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        Seed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    public ulong Seed { get; }

    /// <summary>The generator's whole state, to continue the same stream later (<see cref="Restore"/>).</summary>
    public ulong[] State => [_s0, _s1, _s2, _s3];

    public void Restore(IReadOnlyList<ulong> state)
    {
        if (state.Count != 4 || state.All(s => s == 0)) throw new ArgumentException("a xoshiro256** state is four words, not all zero");
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>A seed from the OS's entropy source, for runs without --seed.</summary>
    public static ulong FreshSeed() => BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) >> 11;

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n), without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n));
        ulong bound = (ulong)n;
        while (true)
        {
            UInt128 product = (UInt128)NextUInt64() * bound;
            ulong low = (ulong)product;
            if (low >= bound || low >= (0UL - bound) % bound)
                return (int)(product >> 64);
        }
    }

    /// <summary>Fisher–Yates shuffle of the whole span.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
