namespace BertNative.Tests.Ops;

/// <summary>How big a case's tensors are, and so which backends run it (<see cref="NamedBackend.Shapes"/>).</summary>
public enum ShapeSet
{
    /// <summary>Tiny, tile-straddling shapes: seconds even on a simulated GPU (ILGPU's CPU accelerator, the CUDA simulation).</summary>
    Small,
    /// <summary>Layer-sized shapes and sizes split over threads: real hardware, cpu included.</summary>
    Medium,
    /// <summary>The book's and BERT-base's shapes, a million elements: GPUs only (the float64 reference takes seconds).</summary>
    Large,
}

/// <summary>One op on one shape: runs the backend's op in <see cref="OpSession"/> and checks it against the reference.</summary>
public sealed record ParityCase(string Name, ShapeSet Shapes, Action<OpSession> Run)
{
    public override string ToString() => Name;
}

/// <summary>A transformer-layer shape. T is deliberately not a multiple of 8 or 32; lens holds 1 and T.</summary>
public sealed record LayerShape(int B, int T, int H, int Heads, int[] ValidLens)
{
    public int N => B * T;
    public override string ToString() => $"B{B} T{T} H{H} h{Heads}";

    public static readonly LayerShape[] Medium =
    [
        new(2, 7, 16, 2, [7, 1]),
        new(3, 13, 24, 3, [13, 1, 5]),
    ];
}
