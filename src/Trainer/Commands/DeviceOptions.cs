using BertNative.Contract;
using BertNative.Interop.Cuda;
using BertNative.Model.Devices;
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

    public static readonly OptionSpec Verbose = OptionSpec.Flag("verbose", "also print why --device auto chose its backend (pretrain keeps it in summary.json)");

    /// <summary>The line --verbose adds after the backend line, or null.</summary>
    public static string? VerboseLine(ParsedOptions o) =>
        o.Flag("verbose") ? BackendSelector.AutoReasonLine : null;

    /// <summary>The chosen backend and one line saying what runs and why. A command without --precision gets fp32.</summary>
    public static (IBackend Backend, string Line) Create(ParsedOptions o) => BackendSelector.Select(Read(o));

    /// <summary>--device, --threads and --precision.</summary>
    public static DeviceChoice Read(ParsedOptions o)
    {
        string device = o.Choice("device", DeviceChoice.Names);
        var precision = o.String("precision") is null ? CudaPrecision.Fp32
            : o.Choice("precision", "fp32", "tf32") == "tf32" ? CudaPrecision.Tf32 : CudaPrecision.Fp32;
        return new DeviceChoice(device, o.Int("threads", 0, 1024), precision).Validated();
    }

    /// <summary>A warning line when --threads asks for more threads than this process has cores, else null.</summary>
    public static string? ThreadsWarning(ParsedOptions o) => (DeviceChoice.Cpu(o.Int("threads", 0, 1024))).ThreadsWarning();
}

