namespace BertNative.Interop;

/// <summary>A device with memory and the BERT ops: the cpu reference, cuda, or ilgpu.</summary>
public interface IBackend : IDeviceMemory, IBertOps, IDisposable
{
    /// <summary>The name used by --device: "cpu", "cuda" or "ilgpu".</summary>
    string Name { get; }

    /// <summary>What actually runs, for the first line of a run and the pairs/sec line
    /// (e.g. "AMD EPYC, 2 threads, OpenBLAS sgemm" or "NVIDIA H100 80GB HBM3, driver 13.0").</summary>
    string DeviceDescription { get; }
}
