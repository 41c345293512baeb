using System.Runtime.CompilerServices;

namespace BertNative.Interop.Cuda;

/// <summary>Turns a native status into a <see cref="CudaException"/> naming the call that failed.</summary>
internal static class CudaCheck
{
    internal const int OutOfMemory = 4;

    internal static void Ok(int status, [CallerArgumentExpression(nameof(status))] string call = "")
    {
        if (status != 0) throw new CudaException(status, CudaNative.LastError(), call);
    }
}
