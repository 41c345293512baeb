using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>Allocation and copies: <see cref="IDeviceMemory"/> on the backend's stream.</summary>
public sealed partial class CudaBackend
{
    public FloatView AllocateFloats(long count) => new(Allocate(count, sizeof(float)), 0, count);

    public IntView AllocateInts(long count) => new(Allocate(count, sizeof(int)), 0, count);

    /// <summary>cudaMalloc places memory on the calling thread's current device, which is whichever backend bound it
    /// last (replicas are built one after another on one thread): bind this backend's device first.</summary>
    CudaBuffer Allocate(long count, int elementSize)
    {
        BindToCallingThread();
        return new CudaBuffer(count, elementSize, _stream);
    }

    public unsafe void Upload(FloatView destination, ReadOnlySpan<float> source)
    {
        Fits(source.Length, destination.Count);
        fixed (float* host = source)
            CudaCheck.Ok(CudaNative.bn_memcpy_htod(Ptr(destination), host, (long)source.Length * sizeof(float), _stream));
    }

    public unsafe void Upload(IntView destination, ReadOnlySpan<int> source)
    {
        Fits(source.Length, destination.Count);
        fixed (int* host = source)
            CudaCheck.Ok(CudaNative.bn_memcpy_htod(Ptr(destination), host, (long)source.Length * sizeof(int), _stream));
    }

    public unsafe void Download(FloatView source, Span<float> destination)
    {
        Fits(destination.Length, source.Count);
        fixed (float* host = destination)
            CudaCheck.Ok(CudaNative.bn_memcpy_dtoh(host, Ptr(source), (long)destination.Length * sizeof(float), _stream));
    }

    public unsafe void Download(IntView source, Span<int> destination)
    {
        Fits(destination.Length, source.Count);
        fixed (int* host = destination)
            CudaCheck.Ok(CudaNative.bn_memcpy_dtoh(host, Ptr(source), (long)destination.Length * sizeof(int), _stream));
    }

    public void Zero(FloatView destination) =>
        CudaCheck.Ok(CudaNative.bn_memset_zero(Ptr(destination), destination.Count * sizeof(float), _stream));

    public void Copy(FloatView destination, FloatView source)
    {
        if (destination.Count != source.Count)
            throw new ArgumentException($"copy of {source.Count} floats into a view of {destination.Count}");
        CudaCheck.Ok(CudaNative.bn_memcpy_dtod(Ptr(destination), Ptr(source), source.Count * sizeof(float), _stream));
    }

    public void Synchronize() => CudaCheck.Ok(CudaNative.bn_stream_synchronize(_stream));

    static void Fits(long hostCount, long viewCount)
    {
        if (hostCount > viewCount) throw new ArgumentException($"{hostCount} host elements do not fit a view of {viewCount}");
    }
}
