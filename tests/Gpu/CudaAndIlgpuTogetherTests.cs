using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// cuda and ilgpu in one process on one GPU. ILGPU creates its own CUDA context and makes it current on the
/// calling thread; our library must still run in the device's primary context (where its stream, cuBLASLt
/// handle and buffers live), so cuda ops issued after ILGPU's, on the same thread, keep working and agree; and
/// creating the cuda backend after ILGPU must leave ILGPU's context current for ILGPU.
/// </summary>
[TestFixture, Category("GPU")]
public class CudaAndIlgpuTogetherTests
{
    [Test]
    public void InterleavedOpsOfBothBackendsMatchTheCpu([Values] bool ilgpuFirst)
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
        IlgpuBackend? ilgpu = ilgpuFirst ? OpenIlgpu() : null;
        using var cuda = CudaBackend.Create();
        ilgpu ??= OpenIlgpu();
        using var _ = ilgpu;
        using var cpu = GpuPair.CreateCpu();

        const int N = 300, I = 64, O = 96, C = O;
        var random = new Random(7);
        float[] Floats(int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        float[] input = Floats(N * I), weight = Floats(O * I), bias = Floats(O), gamma = Floats(C), beta = Floats(C);

        float[] expected = Step(cpu, input, weight, bias, gamma, beta, N, I, O);
        for (int round = 0; round < 3; round++)  // each backend's ops run right after the other's
        {
            Close($"cuda, round {round}", Step(cuda, input, weight, bias, gamma, beta, N, I, O), expected);
            Close($"ilgpu, round {round}", Step(ilgpu, input, weight, bias, gamma, beta, N, I, O), expected);
        }
    }

    static IlgpuBackend OpenIlgpu()
    {
        try { return IlgpuBackend.Create(IlgpuDeviceKind.Cuda); }
        catch (BertNativeException e) { Assert.Inconclusive($"no CUDA device for ILGPU: {e.Message}"); throw; }
    }

    // A linear layer then a layer norm, freshly allocated each time (allocations are where a wrong context shows first).
    static float[] Step(IBackend backend, float[] input, float[] weight, float[] bias, float[] gamma, float[] beta, int N, int I, int O)
    {
        var views = new[] { backend.AllocateFloats(input.Length), backend.AllocateFloats(weight.Length), backend.AllocateFloats(O),
            backend.AllocateFloats((long)N * O), backend.AllocateFloats(O), backend.AllocateFloats(O), backend.AllocateFloats(N),
            backend.AllocateFloats(N), backend.AllocateFloats((long)N * O) };
        try
        {
            var (x, w, b, hidden, g, bt, mean, rstd, output) = (views[0], views[1], views[2], views[3], views[4], views[5], views[6], views[7], views[8]);
            backend.Upload(x, input);
            backend.Upload(w, weight);
            backend.Upload(b, bias);
            backend.Upload(g, gamma);
            backend.Upload(bt, beta);
            backend.MatmulForward(hidden, x, w, b, N, I, O);
            backend.LayerNormForward(output, mean, rstd, hidden, g, bt, N, O, 1e-5f);
            var result = new float[(long)N * O];
            backend.Synchronize();
            backend.Download(output, result);
            return result;
        }
        finally
        {
            foreach (var view in views) view.Buffer.Dispose();
        }
    }

    static void Close(string what, float[] actual, float[] expected)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.Not.NaN, $"{what}: element {i}");
            diff += Math.Pow(actual[i] - expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        Assert.That(Math.Sqrt(diff / norm), Is.LessThan(1e-4), what);
    }
}
