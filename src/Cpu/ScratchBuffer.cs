using System.Runtime.InteropServices;

namespace BertNative.Cpu;

/// <summary>A grow-only aligned float array an op keeps between calls, so a training step allocates nothing.</summary>
internal sealed unsafe class ScratchBuffer : IDisposable
{
    private float* _pointer;
    private long _capacity;

    /// <summary>At least <paramref name="count"/> floats; contents are undefined.</summary>
    public float* Get(long count)
    {
        if (count > _capacity)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), CpuBuffer.Alignment);
            _capacity = count;
        }
        return _pointer;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
        _capacity = 0;
    }
}
