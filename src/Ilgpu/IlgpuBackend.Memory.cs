using BertNative.Contract;
using ILGPU.Runtime;

namespace BertNative.Ilgpu;

/// <summary>Allocation and copies (IDeviceMemory), all on the one stream.</summary>
public sealed partial class IlgpuBackend
{
    public FloatView AllocateFloats(long count)
    {
        var buffer = new IlgpuBuffer<float>(_accelerator, count);
        buffer.Memory.View.MemSetToZero(_stream);
        return new FloatView(buffer, 0, count);
    }

    public IntView AllocateInts(long count)
    {
        var buffer = new IlgpuBuffer<int>(_accelerator, count);
        buffer.Memory.View.MemSetToZero(_stream);
        return new IntView(buffer, 0, count);
    }

    public void Upload(FloatView destination, ReadOnlySpan<float> source)
    {
        CheckLength(destination.Count, source.Length);
        Resolve<float>(destination.Buffer).View(destination.Offset, destination.Count).CopyFromCPU(_stream, source);
    }

    public void Upload(IntView destination, ReadOnlySpan<int> source)
    {
        CheckLength(destination.Count, source.Length);
        Resolve<int>(destination.Buffer).View(destination.Offset, destination.Count).CopyFromCPU(_stream, source);
    }

    public void Download(FloatView source, Span<float> destination)
    {
        CheckLength(source.Count, destination.Length);
        Resolve<float>(source.Buffer).View(source.Offset, source.Count).CopyToCPU(_stream, destination);
        _stream.Synchronize();
    }

    public void Download(IntView source, Span<int> destination)
    {
        CheckLength(source.Count, destination.Length);
        Resolve<int>(source.Buffer).View(source.Offset, source.Count).CopyToCPU(_stream, destination);
        _stream.Synchronize();
    }

    public void Zero(FloatView destination) => Resolve<float>(destination.Buffer).View(destination.Offset, destination.Count).MemSetToZero(_stream);

    public void Copy(FloatView destination, FloatView source)
    {
        CheckLength(destination.Count, source.Count);
        Resolve<float>(destination.Buffer).View(destination.Offset, destination.Count)
            .CopyFrom(_stream, Resolve<float>(source.Buffer).View(source.Offset, source.Count));
    }

    public void Synchronize() => _stream.Synchronize();

    private static void CheckLength(long viewCount, long spanLength)
    {
        if (viewCount != spanLength)
            throw new ArgumentException($"a view of {viewCount} elements cannot be copied to or from {spanLength} elements");
    }
}
