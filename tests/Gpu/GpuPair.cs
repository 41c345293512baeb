using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// The cuda backend next to the cpu reference: the same random inputs uploaded to both, outputs
/// poisoned with NaN on both, results compared by relative error of the whole tensor.
/// </summary>
public sealed class GpuPair : IDisposable
{
    readonly List<DeviceBuffer> _buffers = [];

    public GpuPair(CudaBackend cuda, IBackend cpu, int seed)
    {
        Cuda = cuda;
        Cpu = cpu;
        Random = new Random(seed);
    }

    public CudaBackend Cuda { get; }
    public IBackend Cpu { get; }
    public Random Random { get; }

    public static CudaBackend CreateCudaOrInconclusive()
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
        return CudaBackend.Create();
    }

    public static IBackend CreateCpu() => new CpuBackend();

    public float[] Floats(long n, float scale = 1f)
    {
        var values = new float[n];
        for (long i = 0; i < n; i++) values[i] = (float)((Random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public int[] Ints(long n, int below)
    {
        var values = new int[n];
        for (long i = 0; i < n; i++) values[i] = Random.Next(below);
        return values;
    }

    /// <summary>The values on both backends, at element <paramref name="offset"/> of a larger buffer
    /// (an odd offset exercises the unaligned paths).</summary>
    public (FloatView Cpu, FloatView Gpu) Input(float[] values, int offset = 0) =>
        (Place(Cpu, values, offset), Place(Cuda, values, offset));

    public (IntView Cpu, IntView Gpu) Input(int[] values)
    {
        IntView cpu = Cpu.AllocateInts(values.Length), gpu = Cuda.AllocateInts(values.Length);
        _buffers.Add(cpu.Buffer);
        _buffers.Add(gpu.Buffer);
        Cpu.Upload(cpu, values);
        Cuda.Upload(gpu, values);
        return (cpu, gpu);
    }

    /// <summary>An output of n floats full of NaN on both.</summary>
    public (FloatView Cpu, FloatView Gpu) Poisoned(long n, int offset = 0) => Input(Enumerable.Repeat(float.NaN, (int)n).ToArray(), offset);

    /// <summary>No NaN, and ||gpu - cpu|| &lt;= tolerance ||cpu|| (plus a floor for all-zero tensors).</summary>
    public void Check(string what, (FloatView Cpu, FloatView Gpu) pair, double tolerance = 1e-4)
    {
        double relative = RelativeError(pair, what);
        Assert.That(relative, Is.LessThanOrEqualTo(tolerance), $"{what}: relative error {relative:E2} over {pair.Cpu.Count} elements");
    }

    /// <summary>||gpu - cpu|| / ||cpu|| (with a floor for all-zero tensors); fails on any NaN.</summary>
    public double RelativeError((FloatView Cpu, FloatView Gpu) pair, string what = "output")
    {
        float[] expected = Download(Cpu, pair.Cpu), actual = Download(Cuda, pair.Gpu);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(actual[i]) || float.IsNaN(expected[i]))
                Assert.Fail($"{what}: NaN at {i} (cuda {actual[i]}, cpu {expected[i]})");
            diff += Math.Pow(actual[i] - expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-6);
    }

    /// <summary>Bit-for-bit equality (dropout masks, gathers).</summary>
    public void CheckExact(string what, (FloatView Cpu, FloatView Gpu) pair) =>
        Assert.That(Download(Cuda, pair.Gpu), Is.EqualTo(Download(Cpu, pair.Cpu)), what);

    FloatView Place(IBackend backend, float[] values, int offset)
    {
        FloatView whole = backend.AllocateFloats(values.Length + offset);
        _buffers.Add(whole.Buffer);
        FloatView view = whole.Slice(offset, values.Length);
        backend.Upload(view, values);
        return view;
    }

    static float[] Download(IBackend backend, FloatView view)
    {
        var values = new float[view.Count];
        backend.Synchronize();
        backend.Download(view, values);
        return values;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Dispose();
    }
}
