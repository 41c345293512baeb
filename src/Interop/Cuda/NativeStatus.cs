namespace BertNative.Interop.Cuda;

/// <summary>The status every function of libbertnative_kernels.so returns: the <c>BN_*</c> enum of
/// native/kernels/bertnative.h, mirrored here (a test checks that names and values agree).</summary>
public enum NativeStatus
{
    Ok = 0,
    Cuda = 1,
    Cublas = 2,
    Invalid = 3,
    OutOfMemory = 4,
    Internal = 5,
}
