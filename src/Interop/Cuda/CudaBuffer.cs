using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>A zero-filled device allocation of the cuda backend.</summary>
public sealed class CudaBuffer : DeviceBuffer
{
    readonly DeviceMemoryHandle memory;

    internal CudaBuffer(long elementCount, int elementSize, nint stream) : base(elementCount, elementSize)
    {
        memory = DeviceMemoryHandle.Allocate(Bytes);
        CudaCheck.Ok(CudaNative.bn_memset_zero(memory.DangerousGetHandle(), Bytes, stream));
    }

    /// <summary>The device address of the first element.</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return memory.DangerousGetHandle();
        }
    }

    protected override void Release() => memory.Dispose();
}
