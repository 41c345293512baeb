using System.Runtime.InteropServices;

namespace BertNative.Cpu.Gemm;

/// <summary>
/// The OpenBLAS entry points we use. The library is named by its soname, so the default loader
/// finds it without a DllImportResolver (an assembly has only one, and the CUDA bindings may want it).
/// Call nothing here before <see cref="TryLoad"/> has succeeded.
/// </summary>
internal static partial class OpenBlasNative
{
    public const string LibraryName = "libopenblas.so.0";

    public const int RowMajor = 101;
    public const int NoTrans = 111;
    public const int Trans = 112;

    public static bool TryLoad() => NativeLibrary.TryLoad(LibraryName, out _);

    [LibraryImport(LibraryName, EntryPoint = "cblas_sgemm")]
    public static unsafe partial void Sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(LibraryName, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetNumThreads(int threads);

    [LibraryImport(LibraryName, EntryPoint = "openblas_get_corename")]
    private static partial nint GetCoreName();

    /// <summary>The kernel set OpenBLAS runs, e.g. "Haswell" (a static string inside the library).</summary>
    public static string CoreName() => Marshal.PtrToStringAnsi(GetCoreName()) is { Length: > 0 } name ? name : "unknown";
}
