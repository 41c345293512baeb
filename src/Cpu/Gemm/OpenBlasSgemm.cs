namespace BertNative.Cpu.Gemm;

/// <summary>
/// GEMM by OpenBLAS's cblas_sgemm, single-threaded inside, with the rows (or columns) of C split over the backend's
/// own threads. OpenBLAS's pthread pool would otherwise keep spinning after each call and steal the cores from the
/// managed ops that follow, and the thread count would be set in two places.
/// </summary>
internal sealed unsafe class OpenBlasSgemm : ISgemm
{
    private readonly CpuParallel _parallel;

    private OpenBlasSgemm(CpuParallel parallel)
    {
        _parallel = parallel;
        OpenBlasNative.SetNumThreads(1);
        Description = OpenBlasCore.DescribeLoaded();
    }

    public string Description { get; }

    /// <summary>Null when libopenblas.so.0 cannot be loaded.</summary>
    public static OpenBlasSgemm? TryCreate(CpuParallel parallel) => OpenBlasNative.TryLoad() ? new OpenBlasSgemm(parallel) : null;

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias = null)
    {
        if (m == 0 || n == 0) return;
        // Split the longer side of C into one part per thread; each part is an independent GEMM. Not more parts:
        // each call packs the whole of the other operand again.
        const int minPart = 64;
        bool splitRows = m >= n;
        int length = splitRows ? m : n, parts = Math.Clamp(length / minPart, 1, _parallel.Threads);
        _parallel.For(parts, part =>
        {
            int first = (int)((long)length * part / parts), count = (int)((long)length * (part + 1) / parts) - first;
            float betaHere = beta;
            if (bias != null)
            {
                // OpenBLAS has no bias: C = bias + beta C first, then the product is added.
                int row0 = splitRows ? first : 0, rows = splitRows ? count : m, col0 = splitRows ? 0 : first, cols = splitRows ? n : count;
                for (int i = row0; i < row0 + rows; i++)
                {
                    var cRow = new Span<float>(c + (long)i * ldc + col0, cols);
                    var biasPart = new ReadOnlySpan<float>(bias + col0, cols);
                    if (beta == 0f) biasPart.CopyTo(cRow);
                    else Simd.MultiplyAdd(cRow, beta, biasPart, cRow);
                }
                betaHere = 1f;
            }
            if (splitRows)
                Call(transA, transB, count, n, k, alpha, transA ? a + first : a + (long)first * lda, lda, b, ldb, betaHere, c + (long)first * ldc, ldc);
            else
                Call(transA, transB, m, count, k, alpha, a, lda, transB ? b + (long)first * ldb : b + first, ldb, betaHere, c + first, ldc);
        });
    }

    private static void Call(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => OpenBlasNative.Sgemm(OpenBlasNative.RowMajor, transA ? OpenBlasNative.Trans : OpenBlasNative.NoTrans,
            transB ? OpenBlasNative.Trans : OpenBlasNative.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
