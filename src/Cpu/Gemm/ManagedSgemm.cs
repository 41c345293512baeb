using System.Runtime.Intrinsics;

namespace BertNative.Cpu.Gemm;

/// <summary>
/// A blocked, packed GEMM in managed code (the Goto/BLIS loop nest). Each thread owns a tile of C (a band of rows,
/// and a share of the columns when there are few bands). For each Nc-wide, Kc-deep panel of op(B) (packed, sized
/// to stay in L2) it packs Mc-row blocks of op(A) and sweeps them micro-panel by micro-panel (one A micro-panel
/// stays in L1 while the B panel streams past it) through the register-tiled <see cref="MicroKernels"/>.
/// </summary>
internal sealed unsafe class ManagedSgemm : ISgemm, IDisposable
{
    private const int Kc = 256;
    private const int Nc = 512;

    // A small C with a long k (weight gradients: k = B*T) is split along k instead, one partial C per thread.
    private const long SplitKMaxOutput = 256 * 512;
    private const int SplitKMinDepth = 8 * Kc;

    // Packing buffers of the thread running a tile.
    [ThreadStatic] private static ScratchBuffer? ThreadBPanel;
    [ThreadStatic] private static ScratchBuffer? ThreadABlock;

    private readonly CpuParallel _parallel;
    private readonly bool _avx512;
    private readonly int _mr, _nr, _mc;
    private readonly ScratchBuffer _partialSums = new();

    public ManagedSgemm(CpuParallel parallel, bool avx512)
    {
        _parallel = parallel;
        _avx512 = avx512;
        _mr = avx512 ? MicroKernels.Mr512 : MicroKernels.Mr256;
        _nr = avx512 ? MicroKernels.Nr512 : MicroKernels.Nr256;
        _mc = 8 * _mr;
    }

    public ManagedSgemm(CpuParallel parallel) : this(parallel, Vector512.IsHardwareAccelerated) { }

    public string Description => _avx512 ? "managed AVX-512 sgemm" : "managed AVX2 sgemm";

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias = null)
        => Run(true, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);

    /// <summary>The same GEMM on the calling thread only: for small products inside an op's own parallel loop.</summary>
    public void SgemmSerial(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => Run(false, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, null);

    private void Run(bool parallel, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0)
        {
            ScaleC(c, ldc, m, n, beta, bias);
            return;
        }
        if (!parallel)
        {
            RunTile(transA, transB, 0, m, 0, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
            return;
        }
        if (_parallel.Threads > 1 && (long)m * n <= SplitKMaxOutput && k >= SplitKMinDepth)
            RunSplitK(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
        else
            RunTiles(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
    }

    /// <summary>Threads own tiles of C. Kept out of <see cref="Run"/> so that the serial path allocates no closure.</summary>
    private void RunTiles(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias)
    {
        int mBlocks = (m + _mc - 1) / _mc, nPanels = (n + _nr - 1) / _nr;
        // One parallel region per call: tasks own a band of rows (several Mc blocks, so each packed B panel is
        // reused) and, when there are few bands, a share of the columns.
        int rowBands = Math.Min(mBlocks, 4 * _parallel.Threads);
        int columnSplits = Math.Clamp((2 * _parallel.Threads + rowBands - 1) / rowBands, 1, nPanels);
        _parallel.For(rowBands * columnSplits, t =>
        {
            int band = t / columnSplits, split = t % columnSplits;
            int i0 = (int)((long)mBlocks * band / rowBands) * _mc, i1 = Math.Min(m, (int)((long)mBlocks * (band + 1) / rowBands) * _mc);
            int j0 = (int)((long)nPanels * split / columnSplits) * _nr, j1 = Math.Min(n, (int)((long)nPanels * (split + 1) / columnSplits) * _nr);
            RunTile(transA, transB, i0, i1, j0, j1, k, alpha, a, lda, b, ldb, beta, c, ldc, bias);
        });
    }

    /// <summary>Thread t multiplies the t-th slice of k (whole Kc blocks): slice 0 straight into C (with beta and bias),
    /// the others into partial sums that are then added to C in order (deterministic).</summary>
    private void RunSplitK(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias)
    {
        int parts = Math.Min(_parallel.Threads, k / Kc); // every slice at least one Kc block
        long size = (long)m * n;
        float* partial = _partialSums.Get((parts - 1) * size);
        _parallel.For(parts, t =>
        {
            int k0 = (int)((long)k * t / parts / Kc * Kc), k1 = t == parts - 1 ? k : (int)((long)k * (t + 1) / parts / Kc * Kc);
            float* aSlice = transA ? a + (long)k0 * lda : a + k0;
            float* bSlice = transB ? b + k0 : b + (long)k0 * ldb;
            if (t == 0) RunTile(transA, transB, 0, m, 0, n, k1 - k0, alpha, aSlice, lda, bSlice, ldb, beta, c, ldc, bias);
            else RunTile(transA, transB, 0, m, 0, n, k1 - k0, alpha, aSlice, lda, bSlice, ldb, 0f, partial + (t - 1) * size, n, null);
        });
        for (int t = 1; t < parts; t++)
            for (int i = 0; i < m; i++)
            {
                var row = new Span<float>(c + (long)i * ldc, n);
                Simd.Add(row, new ReadOnlySpan<float>(partial + (t - 1) * size + (long)i * n, n), row);
            }
    }

    public void Dispose() => _partialSums.Dispose();

    /// <summary>C[i0..i1, j0..j1) on the calling thread: the Goto loop nest over Nc column panels and Kc depth slices.
    /// The bias goes in with the first depth slice.</summary>
    private void RunTile(bool transA, bool transB, int i0, int i1, int j0, int j1, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias)
    {
        int mr = _mr, nr = _nr, mc = _mc;
        float* bPanel = (ThreadBPanel ??= new ScratchBuffer()).Get((long)Kc * Nc);
        float* aBlock = (ThreadABlock ??= new ScratchBuffer()).Get((long)mc * Kc);
        for (int jc = j0; jc < j1; jc += Nc)
        {
            int nc = Math.Min(Nc, j1 - jc);
            int panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += Kc)
            {
                int kc = Math.Min(Kc, k - pc);
                float betaHere = pc == 0 ? beta : 1f;
                float* biasHere = pc == 0 && bias != null ? bias + jc : null;
                for (int q = 0; q < panels; q++) PackB(bPanel, q, transB, b, ldb, jc, pc, nc, kc);
                for (int ic = i0; ic < i1; ic += mc)
                {
                    int rows = Math.Min(mc, i1 - ic);
                    PackA(aBlock, transA, a, lda, ic, pc, rows, kc);
                    for (int ir = 0; ir < rows; ir += mr)
                    {
                        float* aMicro = aBlock + (long)(ir / mr) * kc * mr;
                        float* cRow = c + (long)(ic + ir) * ldc + jc;
                        int tileRows = Math.Min(mr, rows - ir);
                        for (int q = 0; q < panels; q++)
                        {
                            int tileCols = Math.Min(nr, nc - q * nr);
                            float* tileBias = biasHere == null ? null : biasHere + q * nr;
                            if (_avx512) MicroKernels.Kernel8x32(kc, aMicro, bPanel + (long)q * kc * nr, cRow + q * nr, ldc, alpha, betaHere, tileBias, tileRows, tileCols);
                            else MicroKernels.Kernel6x16(kc, aMicro, bPanel + (long)q * kc * nr, cRow + q * nr, ldc, alpha, betaHere, tileBias, tileRows, tileCols);
                        }
                    }
                }
            }
        }
    }

    /// <summary>op(A)[i0.., p0..] (rows x kc) into micro-panels of mr rows: dst[panel][p][r], rows past the end zeroed.</summary>
    private void PackA(float* dst, bool transA, float* a, int lda, int i0, int p0, int rows, int kc)
    {
        int mr = _mr;
        for (int ir = 0; ir < rows; ir += mr)
        {
            float* d = dst + (long)(ir / mr) * kc * mr;
            int count = Math.Min(mr, rows - ir);
            if (!transA)
            {
                int p0Scalar = 0;
                if (count == 8 && mr == 8 && Transpose8x8.IsSupported)
                    for (; p0Scalar + 8 <= kc; p0Scalar += 8)
                        Transpose8x8.Run(a + (long)(i0 + ir) * lda + p0 + p0Scalar, lda, d + p0Scalar * mr, mr);
                for (int r = 0; r < count; r++)
                {
                    float* src = a + (long)(i0 + ir + r) * lda + p0;
                    for (int p = p0Scalar; p < kc; p++) d[p * mr + r] = src[p];
                }
            }
            else if (count == 8 && mr == 8)
            {
                float* src = a + (long)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda)
                    Vector256.Store(Vector256.Load(src), d + p * 8);
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + ir;
                    for (int r = 0; r < count; r++) d[p * mr + r] = src[r];
                }
            }
            for (int r = count; r < mr; r++)
                for (int p = 0; p < kc; p++) d[p * mr + r] = 0f;
        }
    }

    /// <summary>Micro-panel q of op(B)[p0.., j0..] (kc x nr): dst[q][p][col], columns past the end zeroed.</summary>
    private void PackB(float* dst, int q, bool transB, float* b, int ldb, int j0, int p0, int nc, int kc)
    {
        int nr = _nr;
        float* d = dst + (long)q * kc * nr;
        int first = j0 + q * nr;
        int count = Math.Min(nr, nc - q * nr);
        if (!transB && count == nr)
        {
            // Whole micro-panel rows, copied with vector loads (a memmove call per 32 floats costs more than the
            // copy in attention's small products).
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(p0 + p) * ldb + first;
                float* row = d + p * nr;
                for (int col = 0; col < nr; col += 8) Vector256.Store(Vector256.Load(src + col), row + col);
            }
        }
        else if (!transB)
        {
            for (int p = 0; p < kc; p++)
            {
                float* src = b + (long)(p0 + p) * ldb + first;
                float* row = d + p * nr;
                new ReadOnlySpan<float>(src, count).CopyTo(new Span<float>(row, count));
                for (int col = count; col < nr; col++) row[col] = 0f;
            }
        }
        else
        {
            int colScalar = 0;
            if (Transpose8x8.IsSupported)
                for (; colScalar + 8 <= count; colScalar += 8)
                {
                    float* src = b + (long)(first + colScalar) * ldb + p0;
                    int p = 0;
                    for (; p + 8 <= kc; p += 8) Transpose8x8.Run(src + p, ldb, d + p * nr + colScalar, nr);
                    for (; p < kc; p++)
                        for (int col = 0; col < 8; col++) d[p * nr + colScalar + col] = src[(long)col * ldb + p];
                }
            for (int col = colScalar; col < count; col++)
            {
                float* src = b + (long)(first + col) * ldb + p0;
                for (int p = 0; p < kc; p++) d[p * nr + col] = src[p];
            }
            for (int col = count; col < nr; col++)
                for (int p = 0; p < kc; p++) d[p * nr + col] = 0f;
        }
    }

    private static void ScaleC(float* c, int ldc, int m, int n, float beta, float* bias)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + (long)i * ldc, n);
            if (beta == 0f) row.Clear();
            else Simd.ScaleShift(row, beta, 0f, row);
            if (bias != null) Simd.Add(row, new ReadOnlySpan<float>(bias, n), row);
        }
    }
}
