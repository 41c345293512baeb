using BertNative.Contract;

namespace BertNative.Interop.Cuda;

/// <summary>What communicators need from the backend: its device and the stream its ops are ordered on.</summary>
public sealed partial class CudaBackend
{
    /// <summary>The CUDA device index this backend runs on.</summary>
    public int Device { get; }

    internal nint Stream => _stream;

    public void BindToCallingThread() => CudaCheck.Ok(CudaNative.bn_set_device(Device));

    /// <summary>The device address of a view's first element; throws for a buffer of another backend.</summary>
    internal static nint Address(FloatView view) => Ptr(view);
}
