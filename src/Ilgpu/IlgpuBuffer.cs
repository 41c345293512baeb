using System.Runtime.CompilerServices;
using BertNative.Contract;
using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu;

/// <summary>One ILGPU allocation of floats or ints, owned by the accelerator that made it.</summary>
public sealed class IlgpuBuffer<T> : DeviceBuffer where T : unmanaged
{
    internal IlgpuBuffer(Accelerator owner, long count) : base(count, Unsafe.SizeOf<T>())
    {
        Owner = owner;
        // ILGPU rejects empty allocations; a zero-length view still works on a one-element buffer.
        Memory = owner.Allocate1D<T>(Math.Max(count, 1));
    }

    internal Accelerator Owner { get; }
    internal MemoryBuffer1D<T, Stride1D.Dense> Memory { get; }

    internal ArrayView1D<T, Stride1D.Dense> View(long offset, long count)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return Memory.View.SubView(offset, count);
    }

    protected override void Release() => Memory.Dispose();
}
