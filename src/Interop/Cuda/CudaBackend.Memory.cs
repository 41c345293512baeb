using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>Allocation and copies: <see cref="IDeviceMemory"/> on the backend's stream.</summary>
public sealed partial class CudaBackend
{
    public FloatView AllocateFloats(long count) => new(new CudaBuffer(count, sizeof(float), stream), 0, count);

    public IntView AllocateInts(long count) => new(new CudaBuffer(count, sizeof(int), stream), 0, count);

    public unsafe void Upload(FloatView destination, ReadOnlySpan<float> source)
    {
        Fits(source.Length, destination.Count);
        fixed (float* host = source)
            CudaCheck.Ok(CudaNative.bn_memcpy_htod(Ptr(destination), host, (long)source.Length * sizeof(float), stream));
    }

    public unsafe void Upload(IntView destination, ReadOnlySpan<int> source)
    {
        Fits(source.Length, destination.Count);
        fixed (int* host = source)
            CudaCheck.Ok(CudaNative.bn_memcpy_htod(Ptr(destination), host, (long)source.Length * sizeof(int), stream));
    }

    public unsafe void Download(FloatView source, Span<float> destination)
    {
        Fits(destination.Length, source.Count);
        fixed (float* host = destination)
            CudaCheck.Ok(CudaNative.bn_memcpy_dtoh(host, Ptr(source), (long)destination.Length * sizeof(float), stream));
    }

    public unsafe void Download(IntView source, Span<int> destination)
    {
        Fits(destination.Length, source.Count);
        fixed (int* host = destination)
            CudaCheck.Ok(CudaNative.bn_memcpy_dtoh(host, Ptr(source), (long)destination.Length * sizeof(int), stream));
    }

    public void Zero(FloatView destination) =>
        CudaCheck.Ok(CudaNative.bn_memset_zero(Ptr(destination), destination.Count * sizeof(float), stream));

    public void Copy(FloatView destination, FloatView source)
    {
        if (destination.Count != source.Count)
            throw new ArgumentException($"copy of {source.Count} floats into a view of {destination.Count}");
        CudaCheck.Ok(CudaNative.bn_memcpy_dtod(Ptr(destination), Ptr(source), source.Count * sizeof(float), stream));
    }

    public void Synchronize() => CudaCheck.Ok(CudaNative.bn_stream_synchronize(stream));

    static void Fits(long hostCount, long viewCount)
    {
        if (hostCount > viewCount) throw new ArgumentException($"{hostCount} host elements do not fit a view of {viewCount}");
    }
}
