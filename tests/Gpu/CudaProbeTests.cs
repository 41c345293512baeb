using BertNative.Contract;
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
        Assert.That(cuda.DeviceDescription, Does.Contain("driver").And.Contain(CudaLibrary.FileName));  // _sim.so under BERTNATIVE_CUDA_SIM=1
        TestContext.Out.WriteLine(cuda.DeviceDescription);
    }

    [Test, Category("GPU")]
    public void OutOfMemoryNamesTheSizeAndTheFix()
    {
        using var cuda = GpuPair.CreateCudaOrInconclusive();
        var e = Assert.Throws<GpuOutOfMemoryException>(() => cuda.AllocateFloats(1L << 40))!;
        Assert.That(e.Message, Does.StartWith("out of GPU memory: tried 4194304 MB").And.Contain("lower --batch or --max-len"));
    }

    [Test, Category("GPU")]
    public void AnOpThatCannotGrowItsScratchRaisesOutOfMemory()
    {
        using var cuda = GpuPair.CreateCudaOrInconclusive();
        const int B = 64, T = 512, H = 768, heads = 12;  // attention scratch: 4 B T H floats = 400 MB
        var qkv = cuda.AllocateFloats((long)B * T * 3 * H);
        var output = cuda.AllocateFloats((long)B * T * H);
        var probs = cuda.AllocateFloats((long)B * heads * T * T);
        var validLens = cuda.AllocateInts(B);
        cuda.Upload(validLens, Enumerable.Repeat(T, B).ToArray());
        var filler = new List<FloatView>();
        try
        {
            // Leave less free memory than the scratch needs, in blocks of 1 GiB down to 16 MiB.
            for (long block = 1L << 28; block >= 1L << 22; block /= 2)
                while (FreeBytes() > 64L << 20)
                {
                    try { filler.Add(cuda.AllocateFloats(block)); }
                    catch (GpuOutOfMemoryException) { break; }
                }
            var e = Assert.Throws<GpuOutOfMemoryException>(() =>
                cuda.AttentionForward(output, probs, qkv, validLens, null, B, T, H, heads, Dropout.None))!;
            Assert.That(e.Message, Does.StartWith("out of GPU memory").And.Contain("scratch").And.Contain("lower --batch or --max-len"));
        }
        finally
        {
            foreach (var view in filler) view.Buffer.Dispose();
            foreach (var buffer in new DeviceBuffer[] { qkv.Buffer, output.Buffer, probs.Buffer, validLens.Buffer }) buffer.Dispose();
        }
    }

    static long FreeBytes()
    {
        CudaCheck.Ok(CudaNative.bn_mem_info(out long free, out _));
        return free;
    }
}
