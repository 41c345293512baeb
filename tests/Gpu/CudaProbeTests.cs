using BertNative.Interop;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>The probe and the factory behave on every machine: a reason without a GPU, a described device with one.</summary>
public class CudaProbeTests
{
    [Test]
    public void ProbeEitherFindsADeviceOrSaysWhy()
    {
        if (CudaProbe.IsAvailable) Assert.Pass("CUDA available");
        Assert.That(CudaProbe.UnavailableReason, Is.Not.Empty);
        Assert.That(() => CudaBackend.Create(), Throws.InstanceOf<BertNativeException>().With.Message.Contains("cuda"));
    }

    [Test, Category("GPU")]
    public void BackendDescribesItsDevice()
    {
        using var cuda = GpuPair.CreateCudaOrInconclusive();
        Assert.That(cuda.Name, Is.EqualTo("cuda"));
        Assert.That(cuda.DeviceDescription, Does.Contain("driver").And.Contain("libbertnative_kernels.so"));
        TestContext.Out.WriteLine(cuda.DeviceDescription);
    }

    [Test, Category("GPU")]
    public void OutOfMemoryNamesTheSizeAndTheFix()
    {
        using var cuda = GpuPair.CreateCudaOrInconclusive();
        var e = Assert.Throws<GpuOutOfMemoryException>(() => cuda.AllocateFloats(1L << 40))!;
        Assert.That(e.Message, Does.StartWith("out of GPU memory: tried 4194304 MB").And.Contain("lower --batch or --max-len"));
    }
}
