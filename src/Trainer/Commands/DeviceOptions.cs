using BertNative.Interop;
using System.Runtime.CompilerServices;
using BertNative.Ilgpu;
using BertNative.Interop.Cpu;
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

    public static readonly string[] Names = ["auto", "cpu", "cuda", "ilgpu"];

    /// <summary>The chosen backend and one line saying what runs and why.</summary>
    public static (IBackend Backend, string Line) Create(ParsedOptions o)
    {
        string device = o.Choice("device", Names);
        int threads = o.Int("threads", 0, 1024);
        return BackendSelector.Select(device, threads);
    }
}

/// <summary>
/// Builds the backend a --device names. GPU paths sit in NoInlining methods so a machine without
/// CUDA never touches a P/Invoke stub, and ILGPU's assembly loads only when it may be used.
/// </summary>
public static class BackendSelector
{
    public static (IBackend Backend, string Line) Select(string device, int threads)
    {
        switch (device)
        {
            case "cpu":
                return Cpu(threads, "");
            case "cuda":
                if (CudaProbe.UnavailableReason is { } noCuda)
                    throw new BertNativeException($"--device cuda: {noCuda}; use --device cpu (or auto)");
                return Cuda("");
            case "ilgpu":
                return Ilgpu("");
            default:
                if (CudaProbe.UnavailableReason is not { } cudaWhyNot) return Cuda(" (auto: our CUDA library loaded and a GPU answered)");
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
    private static (IBackend, string) Cuda(string why)
    {
        var cuda = CudaBackend.Create();
        return (cuda, $"backend cuda{why}: {cuda.DeviceDescription}");
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
