using BertNative.Contract;

namespace BertNative.Cpu;

// Linear layers as GEMMs on row-major [out, in] weights: y = x W^T + b.
public sealed unsafe partial class CpuBackend
{
    public void MatmulForward(FloatView output, FloatView input, FloatView weight, FloatView? bias, int N, int I, int O)
    {
        float* y = Ptr(output, (long)N * O), x = Ptr(input, (long)N * I), w = Ptr(weight, (long)O * I), b = PtrOrNull(bias, O);
        _gemm.Sgemm(false, true, N, O, I, 1f, x, I, w, I, 0f, y, O, b);
    }

    public void MatmulBackward(FloatView? dinput, bool accumulateInput, FloatView dweight, FloatView? dbias,
        FloatView doutput, FloatView input, FloatView weight, int N, int I, int O)
    {
        float* dy = Ptr(doutput, (long)N * O), x = Ptr(input, (long)N * I), w = Ptr(weight, (long)O * I);
        float* dx = PtrOrNull(dinput, (long)N * I), dw = Ptr(dweight, (long)O * I), db = PtrOrNull(dbias, O);
        if (dx != null) _gemm.Sgemm(false, false, N, I, O, 1f, dy, O, w, I, accumulateInput ? 1f : 0f, dx, I);
        _gemm.Sgemm(true, false, O, I, N, 1f, dy, O, x, I, 1f, dw, I);
        if (db != null) ColumnSumsInto(db, dy, N, O);
    }

    /// <summary>sums[c] += sum_n matrix[n, c]: each chunk of rows adds into its own scratch row, then the rows are added in order.</summary>
    private void ColumnSumsInto(float* sums, float* matrix, int N, int C)
    {
        int chunks = _parallel.ChunkCount(N, 256);
        float* partial = _columnSumScratch.Get((long)chunks * C);
        _parallel.ForChunks(N, 256, (chunk, start, end) =>
        {
            var acc = new Span<float>(partial + (long)chunk * C, C);
            acc.Clear();
            for (long n = start; n < end; n++) Simd.Add(acc, new ReadOnlySpan<float>(matrix + n * C, C), acc);
        });
        var total = new Span<float>(sums, C);
        for (int chunk = 0; chunk < chunks; chunk++) Simd.Add(total, new ReadOnlySpan<float>(partial + (long)chunk * C, C), total);
    }
}
