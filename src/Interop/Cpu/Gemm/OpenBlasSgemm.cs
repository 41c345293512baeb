namespace BertNative.Interop.Cpu.Gemm;

/// <summary>GEMM by OpenBLAS's cblas_sgemm, with OpenBLAS's own thread pool sized to the backend's threads.</summary>
internal sealed unsafe class OpenBlasSgemm : ISgemm
{
    private OpenBlasSgemm(int threads) => OpenBlasNative.SetNumThreads(threads);

    public string Description => "OpenBLAS sgemm";

    /// <summary>Null when libopenblas.so.0 cannot be loaded.</summary>
    public static OpenBlasSgemm? TryCreate(int threads) => OpenBlasNative.TryLoad() ? new OpenBlasSgemm(threads) : null;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 0 || n == 0) return;
        OpenBlasNative.Sgemm(OpenBlasNative.RowMajor, transA ? OpenBlasNative.Trans : OpenBlasNative.NoTrans,
            transB ? OpenBlasNative.Trans : OpenBlasNative.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
