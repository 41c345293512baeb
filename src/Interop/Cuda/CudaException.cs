using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>A failed call into libbertnative_kernels.so: its status, the library's message and the C# call that failed.</summary>
public class CudaException : BertNativeException
{
    public CudaException(int status, string nativeMessage, string call)
        : base($"CUDA call failed ({StatusName(status)}): {nativeMessage} [{call}]")
    {
        Status = status;
        NativeMessage = nativeMessage;
        Call = call;
    }

    protected CudaException(int status, string nativeMessage, string call, string message) : base(message)
    {
        Status = status;
        NativeMessage = nativeMessage;
        Call = call;
    }

    /// <summary>One of the BN_* codes of bertnative.h.</summary>
    public int Status { get; }
    public string NativeMessage { get; }
    public string Call { get; }

    internal static string StatusName(int status) => (NativeStatus)status switch
    {
        NativeStatus.Cuda => "CUDA error",
        NativeStatus.Cublas => "cuBLASLt error",
        NativeStatus.Invalid => "invalid argument",
        NativeStatus.OutOfMemory => "out of memory",
        NativeStatus.Internal => "internal error",
        _ => $"status {status}",
    };
}

/// <summary>cudaMalloc did not fit: says how much was asked (when the caller knows), how much is free, and what to lower.</summary>
public sealed class GpuOutOfMemoryException : CudaException
{
    public GpuOutOfMemoryException(long? requestedBytes, long freeBytes, string nativeMessage, string call)
        : base((int)NativeStatus.OutOfMemory, nativeMessage, call, requestedBytes is { } bytes
            ? $"out of GPU memory: tried {Megabytes(bytes)} MB, {Megabytes(freeBytes)} MB free; lower --batch or --max-len"
            : $"out of GPU memory ({nativeMessage}), {Megabytes(freeBytes)} MB free; lower --batch or --max-len")
    {
        RequestedBytes = requestedBytes;
        FreeBytes = freeBytes;
    }

    /// <summary>The allocation that failed, when the call knows it (null for an op's own scratch).</summary>
    public long? RequestedBytes { get; }
    public long FreeBytes { get; }

    static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
}
