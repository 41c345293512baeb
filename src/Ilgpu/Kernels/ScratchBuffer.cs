using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>A device scratch area that only grows, so a training step allocates nothing after its first run.</summary>
internal sealed class ScratchBuffer(Accelerator accelerator) : IDisposable
{
    private MemoryBuffer1D<float, Stride1D.Dense>? _buffer;

    public ArrayView<float> View(AcceleratorStream stream, long count)
    {
        if (_buffer == null || _buffer.Length < count)
        {
            // Kernels queued earlier may still read the old area.
            stream.Synchronize();
            _buffer?.Dispose();
            _buffer = accelerator.Allocate1D<float>(Math.Max(count, 1));
        }
        return _buffer.View.SubView(0, count);
    }

    public void Dispose() => _buffer?.Dispose();
}
