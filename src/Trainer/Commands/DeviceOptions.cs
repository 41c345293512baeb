using BertNative.Contract;
using System.Runtime.CompilerServices;
using BertNative.Ilgpu;
using BertNative.Cpu;
using BertNative.Interop.Cuda;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>--device and --threads, and turning them into a backend. Never silently another backend:
/// an explicit --device that cannot run is an error; auto says what it picked and why.</summary>
public static class DeviceOptions
{
    public static readonly OptionSpec Device = OptionSpec.Value("device", "auto|cpu|cuda|ilgpu", "auto",
        "where to run: auto picks cuda, then ilgpu (a GPU without our CUDA library), then cpu");
    public static readonly OptionSpec Threads = OptionSpec.Value("threads", "N", "0", "CPU threads for the cpu backend (0: all cores)");
    public static readonly OptionSpec Precision = OptionSpec.Value("precision", "fp32|tf32", "fp32",
        "GEMM precision of the cuda backend: fp32 (as the cpu reference) or tf32 (tensor cores, faster, ~1e-3 relative)");

    public static readonly string[] Names = ["auto", "cpu", "cuda", "ilgpu"];

    /// <summary>The chosen backend and one line saying what runs and why. A command without --precision gets fp32.</summary>
    public static (IBackend Backend, string Line) Create(ParsedOptions o)
    {
        string device = o.Choice("device", Names);
        int threads = o.Int("threads", 0, 1024);
        return BackendSelector.Select(device, threads, ReadPrecision(o, device));
    }

    /// <summary>--precision, checked against --device.</summary>
    public static CudaPrecision ReadPrecision(ParsedOptions o, string device)
    {
        var precision = o.String("precision") is null ? CudaPrecision.Fp32
            : o.Choice("precision", "fp32", "tf32") == "tf32" ? CudaPrecision.Tf32 : CudaPrecision.Fp32;
        if (precision != CudaPrecision.Fp32 && device is "cpu" or "ilgpu")
            throw new CliException($"--precision tf32 applies to the cuda backend only, not --device {device}");
        return precision;
    }
}

/// <summary>
/// Builds the backend a --device names. GPU paths sit in NoInlining methods so a machine without
/// CUDA never touches a P/Invoke stub, and ILGPU's assembly loads only when it may be used.
/// </summary>
public static class BackendSelector
{
    /// <summary>With <paramref name="precision"/> other than fp32, anything but the cuda backend is an error (auto included).</summary>
    public static (IBackend Backend, string Line) Select(string device, int threads, CudaPrecision precision = CudaPrecision.Fp32)
    {
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
                    throw new BertNativeException($"--device cuda: {noCuda}; use --device cpu (or auto)");
                return Cuda("", precision);
            case "ilgpu":
                return Ilgpu("");
            default:
                if (CudaProbe.UnavailableReason is not { } cudaWhyNot)
                    return Cuda(CudaProbe.IsSimulation ? " (auto: BERTNATIVE_CUDA_SIM=1 and the simulation library loaded)"
                                                       : " (auto: our CUDA library loaded and a GPU answered)", precision);
                var (hasGpu, ilgpuReason) = ProbeIlgpu();
                if (hasGpu) return Ilgpu($" (auto: {cudaWhyNot}; ILGPU found {ilgpuReason})");
                return Cpu(threads, $" (auto: no GPU backend: {cudaWhyNot}; ILGPU: {ilgpuReason})");
        }
    }

    private static (IBackend, string) Cpu(int threads, string why)
    {
        var cpu = new CpuBackend(threads);
        return (cpu, $"backend cpu{why}: {cpu.DeviceDescription}");
    }

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
