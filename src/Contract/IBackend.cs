namespace BertNative.Contract;

/// <summary>A device with memory and the BERT ops: the cpu reference, cuda, or ilgpu.</summary>
public interface IBackend : IDeviceMemory, IBertOps, IDisposable
{
    /// <summary>The name used by --device: "cpu", "cuda" or "ilgpu".</summary>
    string Name { get; }

    /// <summary>What actually runs, for the first line of a run and the pairs/sec line
    /// (e.g. "AMD EPYC, 2 threads, OpenBLAS sgemm" or "NVIDIA H100 80GB HBM3, driver 13.0").</summary>
    string DeviceDescription { get; }

    /// <summary>The model rounds the row counts of its GEMMs (packed tokens, MLM predictions) up to a multiple of
    /// this, with the extra rows inert. Packing makes the exact counts change every batch, and a backend that plans
    /// per shape (cuBLASLt's heuristic, cached per shape) would plan again every step. 1 keeps the counts exact.</summary>
    int RowMultiple => 1;

    /// <summary>Bytes the backend can still allocate (host memory for cpu, free GPU memory for cuda and ilgpu),
    /// for refusing a run that cannot fit before allocating it; null when unknown.</summary>
    long? AvailableMemoryBytes => null;

    /// <summary>Makes this backend's device the calling thread's (a data-parallel replica runs on a thread of its
    /// own, and a GPU runtime keeps the current device per thread). Nothing to do for the cpu.</summary>
    void BindToCallingThread() { }
}
