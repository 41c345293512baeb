using System.Runtime.CompilerServices;

namespace BertNative.Interop.Cuda;

/// <summary>
/// Whether the cuda backend can run here, and if not, why. Checks in order: the library file
/// beside the app, that it loads (with its CUDA dependencies), that a device is visible. No
/// P/Invoke stub is touched before the library has loaded: the native call sits in a
/// NoInlining method reached only after the file checks.
/// </summary>
public static class CudaProbe
{
    static readonly Lazy<string?> Reason = new(Check);

    /// <summary>Null when CUDA is usable; otherwise one sentence saying why not.</summary>
    public static string? UnavailableReason => Reason.Value;

    public static bool IsAvailable => UnavailableReason is null;

    /// <summary>True when BERTNATIVE_CUDA_SIM=1 points the cuda backend at the CPU simulation library
    /// (libbertnative_kernels_sim.so) instead of a GPU; without it the simulation is never loaded.</summary>
    public static bool IsSimulation => CudaLibrary.Simulation;

    /// <summary>The CUDA devices visible (0 when CUDA is unavailable).</summary>
    public static int DeviceCount => IsAvailable ? CountDevices() : 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int CountDevices() => CudaNative.bn_device_count(out int count) == 0 ? count : 0;

    static string? Check()
    {
        try
        {
            if (!OperatingSystem.IsLinux()) return "the cuda backend is built for Linux only";
            if (!File.Exists(CudaLibrary.ExpectedPath))
                return CudaLibrary.Simulation
                    ? $"{CudaLibrary.ExpectedPath} not found (BERTNATIVE_CUDA_SIM=1 asks for the CPU simulation library; build it with " +
                      "cmake -S native/sim -B build/native-sim && cmake --build build/native-sim, which needs g++ or clang++, cmake and " +
                      "libboost-context-dev; dotnet build copies it when those are present)"
                    : $"{CudaLibrary.ExpectedPath} not found (build it with cmake -S . -B build && cmake --build build, " +
                      "which needs nvcc; dotnet build copies it when nvcc is on PATH)";
            if (!CudaLibrary.TryLoad(out string? error)) return $"could not load {CudaLibrary.FileName}: {error}";
            return CheckDevices();
        }
        catch (Exception e)
        {
            return $"CUDA probe failed: {e.Message}";
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static string? CheckDevices()
    {
        if (CudaNative.bn_version(out int version) != 0 || version != CudaNative.AbiVersion)
            return $"{CudaLibrary.LoadedPath} is stale (ABI version {version}, these bindings expect {CudaNative.AbiVersion}): rebuild it";
        int status = CudaNative.bn_device_count(out int count);
        if (status != 0) return $"no usable CUDA driver or device: {CudaNative.LastError()}";
        if (count == 0) return CudaLibrary.Simulation ? $"{CudaLibrary.LoadedPath} simulates no device" : "no CUDA device visible";
        return null;
    }
}
