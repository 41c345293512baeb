using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>A zero-filled device allocation of the cuda backend.</summary>
public sealed class CudaBuffer : DeviceBuffer
{
    readonly DeviceMemoryHandle _memory;

    internal CudaBuffer(long elementCount, int elementSize, nint stream) : base(elementCount, elementSize)
    {
        _memory = DeviceMemoryHandle.Allocate(Bytes);
        CudaCheck.Ok(CudaNative.bn_memset_zero(_memory.DangerousGetHandle(), Bytes, stream));
    }

    /// <summary>The device address of the first element.</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return _memory.DangerousGetHandle();
        }
    }

    protected override void Release() => _memory.Dispose();
}
