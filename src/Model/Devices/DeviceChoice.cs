using BertNative.Contract;
using BertNative.Interop.Cuda;

namespace BertNative.Model.Devices;

/// <summary>Where to run (<c>--device</c>, <c>--threads</c>, <c>--precision</c>): <see cref="BackendSelector"/> turns it into a backend.</summary>
/// <param name="Device">auto, cpu, cuda or ilgpu; auto picks cuda, then ilgpu (a GPU without our CUDA library), then cpu.</param>
/// <param name="Threads">CPU threads for the cpu backend (0: all cores).</param>
/// <param name="Precision">GEMM precision of the cuda backend; anything but fp32 needs it.</param>
public sealed record DeviceChoice(string Device = "auto", int Threads = 0, CudaPrecision Precision = CudaPrecision.Fp32)
{
    public static readonly string[] Names = ["auto", "cpu", "cuda", "ilgpu"];

    public static DeviceChoice Cpu(int threads = 0) => new("cpu", threads);

    /// <summary>A warning line when <see cref="Threads"/> asks for more threads than this process has cores, else null.</summary>
    public string? ThreadsWarning()
    {
        int cores = Environment.ProcessorCount;
        return Threads > cores ? $"warning: --threads {Threads} is more than the {cores} cores this process can use; the extra threads only take turns (use at most {cores})" : null;
    }

    /// <summary>This choice, or one line saying what is wrong with it.</summary>
    public DeviceChoice Validated()
    {
        if (!Names.Contains(Device)) throw new InvalidOptionsException($"--device {Device}: use one of {string.Join(", ", Names)}");
        if (Threads is < 0 or > 1024) throw new InvalidOptionsException($"--threads {Threads}: use 0 (all cores) to 1024");
        if (Precision != CudaPrecision.Fp32 && Device is "cpu" or "ilgpu")
            throw new InvalidOptionsException($"--precision {Precision.ToString().ToLowerInvariant()} applies to the cuda backend only, not --device {Device}");
        return this;
    }
}
