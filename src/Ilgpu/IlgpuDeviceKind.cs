namespace BertNative.Ilgpu;

/// <summary>Which ILGPU accelerator <see cref="IlgpuBackend.Create"/> opens.</summary>
public enum IlgpuDeviceKind
{
    /// <summary>The first CUDA device, else the first OpenCL device, else an error (never the CPU simulator).</summary>
    Auto,
    Cuda,
    OpenCL,
    /// <summary>ILGPU's CPU accelerator: a simulated GPU, far too slow to train on; for tests.</summary>
    Cpu,
}
