using System.Runtime.Intrinsics.X86;

namespace BertNative.Cpu.Gemm;

/// <summary>
/// Which of its kernel sets ("core") a DYNAMIC_ARCH OpenBLAS chose, said in the backend line. Debian's 0.3.21 takes its
/// generic Prescott kernels on CPUs it does not know (new Intel Xeons), at half speed or worse; OPENBLAS_CORETYPE, read
/// when the library loads, picks another, so the line names the one to try.
/// </summary>
internal static class OpenBlasCore
{
    /// <summary>e.g. "OpenBLAS sgemm (Haswell kernels)", or with a hint when this CPU could run a better set.</summary>
    public static string Describe(string core, bool avx2, bool avx512)
    {
        string? better = avx512 ? "SkylakeX" : avx2 ? "Haswell" : null;
        bool behind = better != null && Rank(core) < Rank(better);
        return $"OpenBLAS sgemm ({core} kernels{(behind ? $"; this CPU has {(avx512 ? "AVX-512" : "AVX2")}: OPENBLAS_CORETYPE={better} may be faster" : "")})";
    }

    public static string DescribeLoaded() => Describe(OpenBlasNative.CoreName(), Avx2.IsSupported, Avx512F.IsSupported);

    /// <summary>0: generic or pre-AVX2 kernels; 1: AVX2; 2: AVX-512.</summary>
    private static int Rank(string core) => core.ToLowerInvariant() switch
    {
        "haswell" or "zen" or "excavator" => 1,
        "skylakex" or "cooperlake" or "sapphirerapids" => 2,
        _ => 0,
    };
}
