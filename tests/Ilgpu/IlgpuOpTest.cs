using BertNative.Ilgpu;
using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

/// <summary>Runs a derived fixture's tests on ILGPU's CPU accelerator and, with Category GPU, on CUDA
/// (Inconclusive without one). Test buffers are tiny and freed with the accelerator after the run.</summary>
[TestFixture(IlgpuDeviceKind.Cpu)]
[TestFixture(IlgpuDeviceKind.Cuda, Category = "GPU")]
public abstract class IlgpuOpTest(IlgpuDeviceKind kind)
{
    protected IBackend Backend => IlgpuBackends.Get(kind);
}
