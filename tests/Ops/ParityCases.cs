namespace BertNative.Tests.Ops;

/// <summary>Every op x shape the backends are checked on (each family in its own ParityCases.*.cs).</summary>
public static partial class ParityCases
{
    public static readonly IReadOnlyList<ParityCase> All =
        [.. Embedding(), .. Matmul(), .. Attention(), .. LayerNorm(), .. Elementwise(), .. Loss(), .. Adam(), .. Edges()];

    public static readonly IReadOnlyDictionary<string, ParityCase> ByName = All.ToDictionary(c => c.Name);

    /// <summary>The case with its float views starting at element <paramref name="offset"/> of their buffers.</summary>
    private static Action<OpSession> At(int offset, Action<OpSession> run) => o =>
    {
        o.Offset = offset;
        run(o);
    };
}
