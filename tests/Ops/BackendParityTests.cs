namespace BertNative.Tests.Ops;

/// <summary>
/// Every backend's float32 op against the float64 reference: ops x shapes x backends from one source. A backend
/// gets the cases of its shape set and the smaller ones; the Large ones also carry the category "LargeShapes".
/// </summary>
public class BackendParityTests
{
    public const string LargeShapes = "LargeShapes";

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var backend in TestBackends.All)
            foreach (var op in ParityCases.All.Where(c => c.Shapes <= backend.Shapes))
            {
                var data = new TestCaseData(backend.Name, op.Name).SetArgDisplayNames(backend.Name, op.Name);
                if (backend.Category != null) data.SetCategory(backend.Category);
                if (op.Shapes == ShapeSet.Large) data.SetCategory(LargeShapes);
                yield return data;
            }
    }

    [TestCaseSource(nameof(Cases))]
    public void MatchesFloat64Reference(string backend, string op)
    {
        using var session = new OpSession(BackendCache.Get(backend), StableSeed(op));
        ParityCases.ByName[op].Run(session);
    }

    /// <summary>The same inputs for every backend and run (string.GetHashCode is randomized per process).</summary>
    private static int StableSeed(string text)
    {
        int hash = 17;
        foreach (char c in text) hash = unchecked(hash * 31 + c);
        return hash;
    }
}
