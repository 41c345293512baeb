using Microsoft.Win32.SafeHandles;

namespace BertNative.Interop.Cuda;

/// <summary>A cudaStream_t; ops of one backend are ordered on it.</summary>
internal sealed class CudaStreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    CudaStreamHandle() : base(true) { }

    internal static CudaStreamHandle Create()
    {
        CudaCheck.Ok(CudaNative.bn_stream_create(out nint stream));
        var handle = new CudaStreamHandle();
        handle.SetHandle(stream);
        return handle;
    }

    protected override bool ReleaseHandle() => CudaNative.bn_stream_destroy(handle) == 0;
}

/// <summary>A cudaEvent_t, for timing work on a stream.</summary>
internal sealed class CudaEventHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    CudaEventHandle() : base(true) { }

    internal static CudaEventHandle Create()
    {
        CudaCheck.Ok(CudaNative.bn_event_create(out nint evt));
        var handle = new CudaEventHandle();
        handle.SetHandle(evt);
        return handle;
    }

    protected override bool ReleaseHandle() => CudaNative.bn_event_destroy(handle) == 0;
}

/// <summary>A cudaMalloc'd block.</summary>
internal sealed class DeviceMemoryHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    DeviceMemoryHandle() : base(true) { }

    /// <summary>Allocates, turning out-of-memory into <see cref="GpuOutOfMemoryException"/>.</summary>
    internal static DeviceMemoryHandle Allocate(long bytes)
    {
        int status = CudaNative.bn_malloc(out nint pointer, bytes);
        if (status == (int)NativeStatus.OutOfMemory)
        {
            string message = CudaNative.LastError();
            long free = CudaNative.bn_mem_info(out long freeBytes, out _) == 0 ? freeBytes : 0;
            throw new GpuOutOfMemoryException(bytes, free, message, $"bn_malloc({bytes})");
        }
        CudaCheck.Ok(status);
        var handle = new DeviceMemoryHandle();
        handle.SetHandle(pointer);
        return handle;
    }

    protected override bool ReleaseHandle() => CudaNative.bn_free(handle) == 0;
}

/// <summary>A bn_context: the cuBLASLt handle, its workspace and the ops' scratch memory.</summary>
internal sealed class BlasContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    BlasContextHandle() : base(true) { }

    internal static BlasContextHandle Create(CudaPrecision precision)
    {
        CudaCheck.Ok(CudaNative.bn_context_create(out nint context, (int)precision));
        var handle = new BlasContextHandle();
        handle.SetHandle(context);
        return handle;
    }

    protected override bool ReleaseHandle() => CudaNative.bn_context_destroy(handle) == 0;
}
