using System.Runtime.CompilerServices;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Ilgpu;
using BertNative.Interop.Cuda;

namespace BertNative.Model.Devices;

/// <summary>
/// Builds the backend a --device names. GPU paths sit in NoInlining methods so a machine without
/// CUDA never touches a P/Invoke stub, and ILGPU's assembly loads only when it may be used.
/// </summary>
public static class BackendSelector
{
    /// <summary>The backend and the line that says what runs. With a precision other than fp32, anything but the cuda
    /// backend is an error (auto included).</summary>
    public static (IBackend Backend, string Line) Select(DeviceChoice choice)
    {
        var (device, threads, precision) = choice.Validated();
        var selected = SelectBackend(device, threads, precision);
        if (precision == CudaPrecision.Fp32 || selected.Backend.Name == "cuda") return selected;
        selected.Backend.Dispose();
        throw new BertNativeException($"--precision {precision.ToString().ToLowerInvariant()} needs the cuda backend; " +
                                      $"--device {device} chose {selected.Backend.Name}");
    }

    private static (IBackend Backend, string Line) SelectBackend(string device, int threads, CudaPrecision precision)
    {
        switch (device)
        {
            case "cpu":
                return Cpu(threads, "");
            case "cuda":
                if (CudaProbe.UnavailableReason is { } noCuda)
                    throw new BertNativeException($"--device cuda: {WithoutSourcePaths(noCuda)}; use --device cpu (or auto)");
                return Cuda("", precision);
            case "ilgpu":
                return Ilgpu("");
            default:
                // The line stays short; the reasons (long, and naming libraries) go to --verbose and summary.json.
                if (CudaProbe.UnavailableReason is not { } cudaWhyNot)
                {
                    AutoReason = CudaProbe.IsSimulation ? "BERTNATIVE_CUDA_SIM=1 and the simulation library loaded"
                                                        : "our CUDA library loaded and a GPU answered";
                    return Cuda(CudaProbe.IsSimulation ? " (auto: BERTNATIVE_CUDA_SIM=1)" : " (auto: a CUDA GPU)", precision);
                }
                var (hasGpu, ilgpuReason) = ProbeIlgpu();
                AutoReason = $"cuda: {WithoutSourcePaths(cudaWhyNot)}; ILGPU: {(hasGpu ? "found " : "")}{ilgpuReason}";
                return hasGpu ? Ilgpu(" (auto: a GPU through ILGPU; the cuda backend is not usable)") : Cpu(threads, " (auto: no GPU found)");
        }
    }

    /// <summary>Why the last --device auto chose what it chose (null when no auto choice was made).</summary>
    public static string? AutoReason { get; private set; }

    /// <summary>The line --verbose adds after the backend line, or null when no auto choice was made.</summary>
    public static string? AutoReasonLine => AutoReason is { } why ? $"device auto: {why}" : null;

    /// <summary>Native errors carry the build machine's source locations, e.g. "(/home/ci/native/kernels/api.cu:52)": not for users.</summary>
    public static string WithoutSourcePaths(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"\s*\((?:/|[A-Za-z]:\\)[^()]*?\.(?:cu|cuh|cpp|cc|c|h|hpp|cs):\d+\)", "");

    private static (IBackend, string) Cpu(int threads, string why)
    {
        var cpu = new CpuBackend(threads);
        return (cpu, $"backend cpu{why}: {cpu.DeviceDescription}");
    }

    /// <summary>The cuda backend on GPU <paramref name="gpu"/> (data-parallel replicas take GPUs 0..N-1).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IBackend CudaOn(int gpu, CudaPrecision precision) => CudaBackend.Create(gpu, precision);

    /// <summary>The ilgpu backend on GPU <paramref name="gpu"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static IBackend IlgpuOn(int gpu) => IlgpuBackend.Create(IlgpuDeviceKind.Auto, gpu);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int IlgpuDeviceCount() => IlgpuBackend.DeviceCount();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (IBackend, string) Cuda(string why, CudaPrecision precision)
    {
        var cuda = CudaBackend.Create(precision: precision);
        // The simulation says so first thing, so that its line can never pass for a GPU run.
        string simulation = CudaProbe.IsSimulation ? $" (CPU simulation of {CudaProbe.DeviceCount} devices)" : "";
        return (cuda, $"backend cuda{simulation}{why}: {cuda.DeviceDescription}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (IBackend, string) Ilgpu(string why)
    {
        var ilgpu = IlgpuBackend.Create(IlgpuDeviceKind.Auto);
        return (ilgpu, $"backend ilgpu{why}: {ilgpu.DeviceDescription}");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (bool HasGpu, string Reason) ProbeIlgpu()
    {
        var probe = IlgpuBackend.Probe();
        return (probe.HasGpu, probe.Reason);
    }
}
