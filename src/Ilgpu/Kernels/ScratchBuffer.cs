using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>A device scratch area that only grows, so a training step allocates nothing after its first run.</summary>
internal sealed class ScratchBuffer(Accelerator accelerator) : IDisposable
{
    private MemoryBuffer1D<float, Stride1D.Dense>? buffer;

    public ArrayView<float> View(AcceleratorStream stream, long count)
    {
        if (buffer == null || buffer.Length < count)
        {
            // Kernels queued earlier may still read the old area.
            stream.Synchronize();
            buffer?.Dispose();
            buffer = accelerator.Allocate1D<float>(Math.Max(count, 1));
        }
        return buffer.View.SubView(0, count);
    }

    public void Dispose() => buffer?.Dispose();
}
