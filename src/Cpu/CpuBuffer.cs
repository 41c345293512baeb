using System.Runtime.InteropServices;
using BertNative.Contract;

namespace BertNative.Cpu;

/// <summary>Host memory for the cpu backend: 64-byte aligned (one cache line, one Vector512) and zero-filled.</summary>
public sealed unsafe class CpuBuffer : DeviceBuffer
{
    public const int Alignment = 64;

    public CpuBuffer(long elementCount, int elementSize) : base(elementCount, elementSize)
    {
        nuint bytes = (nuint)Math.Max(Alignment, elementCount * elementSize);
        Pointer = NativeMemory.AlignedAlloc(bytes, Alignment);
        NativeMemory.Clear(Pointer, bytes);
    }

    ~CpuBuffer() => Release();

    public void* Pointer { get; private set; }

    protected override void Release()
    {
        NativeMemory.AlignedFree(Pointer);
        Pointer = null;
    }
}
