namespace BertNative.Tests.Ops;

/// <summary>Every backend's float32 op against the float64 reference: ops x shapes x backends from one source.</summary>
public class BackendParityTests
{
    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var backend in TestBackends.All)
            foreach (var op in ParityCases.All)
            {
                var data = new TestCaseData(backend.Name, op.Name).SetArgDisplayNames(backend.Name, op.Name);
                if (backend.Category != null) data.SetCategory(backend.Category);
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
