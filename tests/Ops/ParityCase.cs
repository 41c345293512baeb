namespace BertNative.Tests.Ops;

/// <summary>One op on one shape: runs the backend's op in <see cref="OpSession"/> and checks it against the reference.</summary>
public sealed record ParityCase(string Name, Action<OpSession> Run)
{
    public override string ToString() => Name;
}

/// <summary>A transformer-layer shape. T is deliberately not a multiple of 8 or 32; lens holds 1 and T.</summary>
public sealed record LayerShape(int B, int T, int H, int Heads, int[] ValidLens)
{
    public int N => B * T;
    public override string ToString() => $"B{B} T{T} H{H} h{Heads}";

    public static readonly LayerShape[] All =
    [
        new(2, 7, 16, 2, [7, 1]),
        new(3, 13, 24, 3, [13, 1, 5]),
    ];
}
