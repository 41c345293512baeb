using System.Runtime.CompilerServices;

namespace BertNative.Interop.Cuda;

/// <summary>Turns a native status into a <see cref="CudaException"/> naming the call that failed.</summary>
internal static class CudaCheck
{
    /// <summary>Throws for a failed status: <see cref="GpuOutOfMemoryException"/> when the device ran out of memory
    /// (an op growing its scratch, say), else <see cref="CudaException"/>.</summary>
    internal static void Ok(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status == (int)NativeStatus.Ok) return;
        string message = CudaNative.LastError();
        if (status == (int)NativeStatus.OutOfMemory)
        {
            long free = CudaNative.bn_mem_info(out long freeBytes, out _) == 0 ? freeBytes : 0;
            throw new GpuOutOfMemoryException(null, free, message, call);
        }
        throw new CudaException(status, message, call);
    }
}
