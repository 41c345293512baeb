using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Tests.Ops;

namespace BertNative.Tests.Ilgpu;

/// <summary>
/// Runs a derived fixture's tests on ILGPU's CPU accelerator and, with Category GPU, on CUDA (Inconclusive
/// without one). For checks of the ILGPU backend itself (memory, slices); its ops' parity is in BackendParityTests.
/// </summary>
[TestFixture(IlgpuDeviceKind.Cpu)]
[TestFixture(IlgpuDeviceKind.Cuda, Category = "GPU")]
public abstract class IlgpuOpTest(IlgpuDeviceKind kind)
{
    protected IBackend Backend => IlgpuBackends.Get(kind);

    /// <summary>Fresh random inputs each run (NUnit prints the seed); outputs NaN-poisoned; buffers freed on dispose.</summary>
    protected OpSession Session() => new(Backend, TestContext.CurrentContext.Random.Next());
}
