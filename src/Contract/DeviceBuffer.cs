namespace BertNative.Contract;

/// <summary>
/// One allocation on a backend's device. Backends subclass it with their own handle
/// (a native pointer, a CUDA device pointer, an ILGPU buffer). Ops never see it directly:
/// they take <see cref="FloatView"/> and <see cref="IntView"/> windows into it.
/// </summary>
public abstract class DeviceBuffer : IDisposable
{
    protected DeviceBuffer(long elementCount, int elementSize)
    {
        ElementCount = elementCount;
        ElementSize = elementSize;
    }

    public long ElementCount { get; }
    public int ElementSize { get; }
    public long Bytes => ElementCount * ElementSize;
    public bool IsDisposed { get; private set; }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Release();
        GC.SuppressFinalize(this);
    }

    protected abstract void Release();
}
