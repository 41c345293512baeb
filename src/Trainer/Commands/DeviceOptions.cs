using BertNative.Interop;
using BertNative.Interop.Cpu;
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

/// <summary>Builds the backend a --device names.</summary>
public static class BackendSelector
{
    public static (IBackend Backend, string Line) Select(string device, int threads)
    {
        switch (device)
        {
            case "cpu":
            {
                var cpu = new CpuBackend(threads);
                return (cpu, $"backend cpu: {cpu.DeviceDescription}");
            }
            case "auto":
            {
                var cpu = new CpuBackend(threads);
                return (cpu, $"backend cpu (auto: no GPU backend is available): {cpu.DeviceDescription}");
            }
            default:
                throw new BertNativeException($"--device {device} is not available in this build; use --device cpu");
        }
    }
}
