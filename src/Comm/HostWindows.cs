using BertNative.Contract;
using BertNative.Cpu;

namespace BertNative.Comm;

/// <summary>Host memory as the host transports (in-process, MPI) and host staging see it: a window's address, the
/// ring's add (one for all, so every host transport gives the same bits) and the copy.</summary>
internal static unsafe class HostWindows
{
    public static float* Pointer(FloatView view) =>
        view.Buffer is CpuBuffer { Pointer: not null } buffer
            ? (float*)buffer.Pointer + view.Offset
            : throw new ArgumentException("the host ring transports carry host (cpu) buffers only; stage device buffers through the host");

    /// <summary>destination = destination + received (<paramref name="add"/>) or = received, element by element, in
    /// pieces a span can hold.</summary>
    public static void Combine(float* destination, float* received, long count, bool add)
    {
        for (long done = 0; done < count; done += int.MaxValue / 2)
        {
            int n = (int)Math.Min(int.MaxValue / 2, count - done);
            var to = new Span<float>(destination + done, n);
            if (add) Simd.Add(to, new ReadOnlySpan<float>(received + done, n), to);
            else new ReadOnlySpan<float>(received + done, n).CopyTo(to);
        }
    }
}

/// <summary>A host buffer that grows to the largest window asked of it (a receive's landing place, a device
/// buffer's staging); its windows are valid until the next, larger request.</summary>
internal sealed class HostStaging : IDisposable
{
    private CpuBuffer? _buffer;

    public FloatView Window(long count)
    {
        if (_buffer is null || _buffer.ElementCount < count)
        {
            _buffer?.Dispose();
            _buffer = new CpuBuffer(count, sizeof(float));
        }
        return new FloatView(_buffer, 0, count);
    }

    public void Dispose() => _buffer?.Dispose();
}
