using BertNative.Tests.Support;

namespace BertNative.Tests.Ops;

/// <summary><see cref="NonFiniteChecks"/> on every test backend (GPU ones Inconclusive without a GPU).</summary>
public class NonFiniteInputTests
{
    public static IEnumerable<TestCaseData> Backends() => TestBackends.All.Select(backend =>
    {
        var data = new TestCaseData(backend.Name).SetArgDisplayNames(backend.Name);
        return backend.Category != null ? data.SetCategory(backend.Category) : data;
    });

    [TestCaseSource(nameof(Backends))]
    public void DroppedElementsAreZeroWhateverTheirValue(string backend) =>
        NonFiniteChecks.DroppedElementsAreZeroWhateverTheirValue(BackendCache.Get(backend));

    [TestCaseSource(nameof(Backends))]
    public void PaddedRowsCannotPoisonAttention(string backend) =>
        NonFiniteChecks.PaddedRowsCannotPoisonAttention(BackendCache.Get(backend));
}
