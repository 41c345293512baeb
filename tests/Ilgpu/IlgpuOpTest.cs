using BertNative.Ilgpu;
using BertNative.Contract;
using BertNative.Tests.Ops;

namespace BertNative.Tests.Ilgpu;

/// <summary>
/// Runs a derived fixture's tests on ILGPU's CPU accelerator and, with Category GPU, on CUDA (Inconclusive
/// without one). The shared backend-parity cases are too big for the simulated GPU (minutes on two cores), so
/// these fixtures check each op against the same float64 reference at tiny, tile-straddling shapes instead.
/// </summary>
[TestFixture(IlgpuDeviceKind.Cpu)]
[TestFixture(IlgpuDeviceKind.Cuda, Category = "GPU")]
public abstract class IlgpuOpTest(IlgpuDeviceKind kind)
{
    protected IBackend Backend => IlgpuBackends.Get(kind);

    /// <summary>Fresh random inputs each run (NUnit prints the seed); outputs NaN-poisoned; buffers freed on dispose.</summary>
    protected OpSession Session() => new(Backend, TestContext.CurrentContext.Random.Next());
}
