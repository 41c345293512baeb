using BertNative.Contract;
using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

public sealed class AcceleratorTests
{
    [Test]
    public void ProbeAnswersWithAReason()
    {
        var probe = IlgpuBackend.Probe();
        Assert.That(probe.Reason, Is.Not.Empty);
    }

    [Test]
    public void CpuAcceleratorIsDescribed()
    {
        var backend = IlgpuBackends.Get(IlgpuDeviceKind.Cpu);
        Assert.That(backend.Name, Is.EqualTo("ilgpu"));
        Assert.That(backend.DeviceDescription, Does.StartWith("ILGPU CPU accelerator"));
    }

    [Test]
    public void AutoWithoutAGpuSaysSo()
    {
        if (IlgpuBackend.Probe().HasGpu) Assert.Ignore("this machine has a GPU");
        var error = Assert.Throws<BertNativeException>(() => IlgpuBackend.Create(IlgpuDeviceKind.Auto).Dispose());
        Assert.That(error!.Message, Does.Contain("no CUDA or OpenCL device"));
    }

    [Test, Category("GPU")]
    public void AutoOpensTheGpu()
    {
        var probe = IlgpuBackend.Probe();
        if (!probe.HasGpu) Assert.Inconclusive(probe.Reason);
        using var backend = IlgpuBackend.Create(IlgpuDeviceKind.Auto);
        Assert.That(backend.DeviceDescription, Does.Contain(probe.Reason.Split(':')[0]));
    }
}
