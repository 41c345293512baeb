using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>
/// The cuda backend: every op of <see cref="IBertOps"/> as kernels from libbertnative_kernels.so,
/// ordered on one stream. Create it through <see cref="Create"/>, which fails with the probe's
/// reason rather than falling back to another backend.
/// </summary>
public sealed partial class CudaBackend : IBackend
{
    readonly CudaStreamHandle _streamHandle;
    readonly BlasContextHandle _contextHandle;
    readonly nint _stream;
    readonly nint _context;

    CudaBackend(int device, CudaPrecision precision)
    {
        CudaCheck.Ok(CudaNative.bn_set_device(device));
        Device = device;
        _streamHandle = CudaStreamHandle.Create();
        _contextHandle = BlasContextHandle.Create(precision);
        _stream = _streamHandle.DangerousGetHandle();
        _context = _contextHandle.DangerousGetHandle();
        Precision = precision;
        DeviceDescription = Describe(device, precision);
    }

    /// <summary>The backend on <paramref name="device"/> with GEMMs at <paramref name="precision"/>; throws
    /// <see cref="BertNativeException"/> saying why when CUDA is unusable.</summary>
    public static CudaBackend Create(int device = 0, CudaPrecision precision = CudaPrecision.Fp32)
    {
        if (CudaProbe.UnavailableReason is { } reason) throw new BertNativeException($"--device cuda: {reason}");
        return CreateOnDevice(device, precision);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static CudaBackend CreateOnDevice(int device, CudaPrecision precision) => new(device, precision);

    /// <summary>The compute type of every GEMM this backend runs.</summary>
    public CudaPrecision Precision { get; }

    public string Name => "cuda";

    /// <summary>cuBLASLt picks an algorithm per GEMM shape; 128-row steps keep a run to a few dozen shapes.</summary>
    public int RowMultiple => 128;

    public string DeviceDescription { get; }

    public long? AvailableMemoryBytes => CudaNative.bn_mem_info(out long free, out _) == 0 ? free : null;

    /// <summary>Milliseconds the GPU spent on what <paramref name="work"/> queues (CUDA events around it).</summary>
    public float TimeMilliseconds(Action work)
    {
        using var start = CudaEventHandle.Create();
        using var end = CudaEventHandle.Create();
        CudaCheck.Ok(CudaNative.bn_event_record(start.DangerousGetHandle(), _stream));
        work();
        CudaCheck.Ok(CudaNative.bn_event_record(end.DangerousGetHandle(), _stream));
        CudaCheck.Ok(CudaNative.bn_event_synchronize(end.DangerousGetHandle()));
        CudaCheck.Ok(CudaNative.bn_event_elapsed_ms(start.DangerousGetHandle(), end.DangerousGetHandle(), out float ms));
        return ms;
    }

    public void Dispose()
    {
        _contextHandle.Dispose();
        _streamHandle.Dispose();
    }

    static unsafe string Describe(int device, CudaPrecision precision)
    {
        byte* name = stackalloc byte[256];
        CudaCheck.Ok(CudaNative.bn_device_name(device, name, 256));
        CudaCheck.Ok(CudaNative.bn_device_compute_capability(device, out int major, out int minor));
        CudaCheck.Ok(CudaNative.bn_driver_version(out int driver));
        CudaCheck.Ok(CudaNative.bn_runtime_version(out int runtime));
        CudaCheck.Ok(CudaNative.bn_cublaslt_version(out long cublasLt));
        CudaCheck.Ok(CudaNative.bn_mem_info(out _, out long total));
        string gpu = Marshal.PtrToStringUTF8((nint)name) ?? "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"{gpu} (sm_{major}{minor}, {total >> 30} GiB), {precision.ToString().ToLowerInvariant()} GEMMs, " +
            $"driver {Version(driver)}, runtime {Version(runtime)}, " +
            $"cuBLASLt {cublasLt}, {CudaLibrary.LoadedPath ?? CudaLibrary.FileName}");
    }

    static string Version(int cudaVersion) => $"{cudaVersion / 1000}.{cudaVersion % 1000 / 10}";
}
