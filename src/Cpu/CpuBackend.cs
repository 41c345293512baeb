using System.Runtime.Intrinsics;
using BertNative.Contract;
using BertNative.Cpu.Gemm;

namespace BertNative.Cpu;

/// <summary>Which GEMM the cpu backend uses.</summary>
public enum CpuGemm
{
    /// <summary><see cref="CpuBackend.GemmEnvironmentVariable"/> ("managed" or "openblas") when set; otherwise the managed
    /// GEMM where AVX-512 runs (it beats Debian's OpenBLAS 0.3.21 there: a book step takes 669 ms against 780 ms on
    /// a Zen 4 EPYC), OpenBLAS where it loads, the managed GEMM where it does not.</summary>
    Auto,
    /// <summary>Always the managed SIMD GEMM.</summary>
    Managed,
    /// <summary>Always OpenBLAS; the backend cannot be created without libopenblas.so.0.</summary>
    OpenBlas,
}

/// <summary>
/// The reference backend: host memory, managed SIMD ops split over a fixed number of threads, GEMMs by OpenBLAS
/// or by the managed GEMM (the description says which and why). Ops run synchronously, so Synchronize is a no-op.
/// Each op family lives in its own file (CpuBackend.*.cs).
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    public const string GemmEnvironmentVariable = "BERTNATIVE_CPU_GEMM";

    private readonly CpuParallel _parallel;
    private readonly ISgemm _gemm;
    private readonly ManagedSgemm _serialGemm;
    private readonly List<CpuBuffer> _buffers = [];

    public CpuBackend(int threads = 0, CpuGemm gemm = CpuGemm.Auto)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _parallel = new CpuParallel(Threads);
        _serialGemm = new ManagedSgemm(_parallel);
        (gemm, string why) = gemm == CpuGemm.Auto ? ChooseGemm() : (gemm, $"{gemm} GEMM requested");
        if (gemm == CpuGemm.OpenBlas)
            _gemm = OpenBlasSgemm.TryCreate(_parallel) ?? throw new BertNativeException(
                $"{OpenBlasNative.LibraryName} not found; install libopenblas0-pthread or use the managed GEMM");
        else _gemm = _serialGemm;
        DeviceDescription = $"{CpuInfo.ModelName}, {Threads} thread{(Threads == 1 ? "" : "s")}, {_gemm.Description} ({why})";
    }

    private static (CpuGemm Gemm, string Why) ChooseGemm()
    {
        string? forced = Environment.GetEnvironmentVariable(GemmEnvironmentVariable);
        if (string.Equals(forced, "managed", StringComparison.OrdinalIgnoreCase)) return (CpuGemm.Managed, $"{GemmEnvironmentVariable}=managed");
        if (string.Equals(forced, "openblas", StringComparison.OrdinalIgnoreCase)) return (CpuGemm.OpenBlas, $"{GemmEnvironmentVariable}=openblas");
        if (!string.IsNullOrEmpty(forced))
            throw new BertNativeException($"{GemmEnvironmentVariable}={forced} is not a GEMM; use managed or openblas, or unset it");
        if (Vector512.IsHardwareAccelerated) return (CpuGemm.Managed, "AVX-512 present");
        return OpenBlasNative.TryLoad() ? (CpuGemm.OpenBlas, "AVX-512 absent") : (CpuGemm.Managed, $"{OpenBlasNative.LibraryName} not found");
    }

    public string Name => "cpu";
    public string DeviceDescription { get; }

    public long? AvailableMemoryBytes => HostMemory.AvailableBytes();
    public int Threads { get; }

    public FloatView AllocateFloats(long count) => new(Allocate(count, sizeof(float)), 0, count);
    public IntView AllocateInts(long count) => new(Allocate(count, sizeof(int)), 0, count);

    private CpuBuffer Allocate(long count, int elementSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var buffer = new CpuBuffer(count, elementSize);
        lock (_buffers) _buffers.Add(buffer);
        return buffer;
    }

    public void Upload(FloatView destination, ReadOnlySpan<float> source) => source.CopyTo(Span(destination, source.Length));
    public void Upload(IntView destination, ReadOnlySpan<int> source) => source.CopyTo(Span(destination, source.Length));
    public void Download(FloatView source, Span<float> destination) => Span(source, destination.Length).CopyTo(destination);
    public void Download(IntView source, Span<int> destination) => Span(source, destination.Length).CopyTo(destination);
    public void Zero(FloatView destination) => Span(destination, destination.Count).Clear();

    public void Copy(FloatView destination, FloatView source)
    {
        if (destination.Count != source.Count)
            throw new ArgumentException($"copy of {source.Count} floats into a view of {destination.Count}");
        Span(source, source.Count).CopyTo(Span(destination, destination.Count));
    }

    public void Synchronize() { }

    public void Dispose()
    {
        lock (_buffers)
        {
            foreach (var buffer in _buffers) buffer.Dispose();
            _buffers.Clear();
        }
        DisposeScratch();
        _serialGemm.Dispose();
    }

    /// <summary>The first element of a view, checking that it belongs to this backend and holds at least <paramref name="needed"/> floats.</summary>
    private static float* Ptr(FloatView view, long needed)
    {
        if (view.Buffer is not CpuBuffer buffer || buffer.Pointer == null)
            throw new ArgumentException("the view is not a live cpu buffer");
        if (view.Count < needed)
            throw new ArgumentException($"a view of {view.Count} floats is too small for {needed}");
        return (float*)buffer.Pointer + view.Offset;
    }

    private static int* Ptr(IntView view, long needed)
    {
        if (view.Buffer is not CpuBuffer buffer || buffer.Pointer == null)
            throw new ArgumentException("the view is not a live cpu buffer");
        if (view.Count < needed)
            throw new ArgumentException($"a view of {view.Count} ints is too small for {needed}");
        return (int*)buffer.Pointer + view.Offset;
    }

    private static float* PtrOrNull(FloatView? view, long needed) => view is { } v ? Ptr(v, needed) : null;

    private static Span<float> Span(FloatView view, long count)
    {
        if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), "host copies are limited to 2^31 elements");
        return new Span<float>(Ptr(view, count), (int)count);
    }

    private static Span<int> Span(IntView view, long count)
    {
        if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), "host copies are limited to 2^31 elements");
        return new Span<int>(Ptr(view, count), (int)count);
    }

    /// <summary>A span over one chunk of a buffer (chunks stay below 2^31 elements: they are a thread's share).</summary>
    private static Span<float> HostSpan(float* start, long count)
    {
        if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), "a chunk is limited to 2^31 elements");
        return new Span<float>(start, (int)count);
    }
}
