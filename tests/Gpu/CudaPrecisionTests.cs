using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>--precision reaches cuBLASLt: fp32 GEMMs match the cpu to float rounding, tf32 ones are visibly less
/// exact (10-bit mantissa inputs) yet close, and the device line says which.</summary>
[TestFixture, Category("GPU")]
public class CudaPrecisionTests
{
    [TestCase(CudaPrecision.Fp32, 0.0, 1e-5)]
    [TestCase(CudaPrecision.Tf32, 1e-5, 5e-3)]
    public void GemmErrorMatchesThePrecision(CudaPrecision precision, double atLeast, double atMost)
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
        using var cuda = CudaBackend.Create(precision: precision);
        using var cpu = GpuPair.CreateCpu();
        using var p = new GpuPair(cuda, cpu, seed: 3);
        const int N = 512, I = 768, O = 384;
        var input = p.Input(p.Floats(N * I));
        var weight = p.Input(p.Floats(O * I));
        var output = p.Poisoned(N * O);
        cpu.MatmulForward(output.Cpu, input.Cpu, weight.Cpu, null, N, I, O);
        cuda.MatmulForward(output.Gpu, input.Gpu, weight.Gpu, null, N, I, O);
        double error = p.RelativeError(output);
        TestContext.Out.WriteLine($"{precision}: relative error {error:E2}; {cuda.DeviceDescription}");
        Assert.Multiple(() =>
        {
            Assert.That(error, Is.InRange(atLeast, atMost), "relative error against the cpu");
            Assert.That(cuda.DeviceDescription, Does.Contain($"{precision.ToString().ToLowerInvariant()} GEMMs"));
        });
    }
}
