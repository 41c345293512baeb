namespace BertNative.Tests.Ops;

/// <summary>Every op x shape the backends are checked on (each family in its own ParityCases.*.cs).</summary>
public static partial class ParityCases
{
    public static readonly IReadOnlyList<ParityCase> All = [.. Layers(), .. Elementwise(), .. LossAndOptimizer()];

    public static readonly IReadOnlyDictionary<string, ParityCase> ByName = All.ToDictionary(c => c.Name);
}
