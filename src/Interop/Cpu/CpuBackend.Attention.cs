namespace BertNative.Interop.Cpu;

// Multi-head attention core, one (batch, head) pair per task. Q, K and V are read in place from qkv[B,T,3H]
// (row stride 3H) and the head's output is written in place into output[B,T,H] (row stride H), so nothing is
// permuted. The GEMMs are small (T x T x d), so each task runs them serially and the tasks run in parallel.
public sealed unsafe partial class CpuBackend
{
    private const float MaskedScore = -1e6f;

    public void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout)
    {
        int d = H / heads;
        float* o = Ptr(output, (long)B * T * H), p = Ptr(probs, (long)B * heads * T * T), x = Ptr(qkv, (long)B * T * 3 * H);
        int* lens = Ptr(validLens, B);
        float scale = 1f / MathF.Sqrt(d);
        long tt = (long)T * T;
        float* scratch = _attentionScratch.Get(_parallel.ChunkCount((long)B * heads, 1) * tt);
        _parallel.ForChunks((long)B * heads, 1, (chunk, start, end) =>
        {
            float* dropped = scratch + chunk * tt;
            for (long bh = start; bh < end; bh++)
            {
                long b = bh / heads, h = bh % heads;
                int valid = lens[b];
                if (valid < 1 || valid > T) throw new ArgumentOutOfRangeException(nameof(validLens), $"valid length {valid} outside [1, {T}]");
                float* q = x + b * T * 3 * H + h * d, k = q + H, v = q + 2 * H;
                float* pr = p + bh * tt;
                _serialGemm.SgemmSerial(false, true, T, T, d, scale, q, 3 * H, k, 3 * H, 0f, pr, T);
                for (int i = 0; i < T; i++)
                {
                    var row = new Span<float>(pr + (long)i * T, T);
                    row[valid..].Fill(MaskedScore);
                    SoftmaxInPlace(row);
                }
                float* weights = pr;
                if (dropout.IsActive)
                {
                    ApplyDropout(dropped, pr, tt, bh * tt, dropout);
                    weights = dropped;
                }
                _serialGemm.SgemmSerial(false, false, T, d, T, 1f, weights, T, v, 3 * H, 0f, o + b * T * H + h * d, H);
            }
        });
    }

    public void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout)
    {
        int d = H / heads;
        float* dx = Ptr(dqkv, (long)B * T * 3 * H), dout = Ptr(doutput, (long)B * T * H);
        float* x = Ptr(qkv, (long)B * T * 3 * H), p = Ptr(probs, (long)B * heads * T * T);
        Ptr(validLens, B);
        float scale = 1f / MathF.Sqrt(d);
        long tt = (long)T * T;
        float* scratch = _attentionScratch.Get(_parallel.ChunkCount((long)B * heads, 1) * 2 * tt);
        _parallel.ForChunks((long)B * heads, 1, (chunk, start, end) =>
        {
            float* dropped = scratch + chunk * 2 * tt, dp = dropped + tt;
            for (long bh = start; bh < end; bh++)
            {
                long b = bh / heads, h = bh % heads;
                long qOffset = b * T * 3 * H + h * d;
                float* q = x + qOffset, k = q + H, v = q + 2 * H;
                float* dq = dx + qOffset, dk = dq + H, dv = dq + 2 * H;
                float* dO = dout + b * T * H + h * d;
                float* pr = p + bh * tt;
                float* weights = pr;
                if (dropout.IsActive)
                {
                    ApplyDropout(dropped, pr, tt, bh * tt, dropout);
                    weights = dropped;
                }
                // dV = P'^T dO; dP' = dO V^T, then back through the dropout.
                _serialGemm.SgemmSerial(true, false, T, d, T, 1f, weights, T, dO, H, 0f, dv, 3 * H);
                _serialGemm.SgemmSerial(false, true, T, T, d, 1f, dO, H, v, 3 * H, 0f, dp, T);
                if (dropout.IsActive) ApplyDropout(dp, dp, tt, bh * tt, dropout);
                // Softmax backward: dS = P (dP - rowsum(P dP)); masked keys have P = 0, hence dS = 0.
                for (int i = 0; i < T; i++)
                {
                    var pRow = new ReadOnlySpan<float>(pr + (long)i * T, T);
                    var dRow = new Span<float>(dp + (long)i * T, T);
                    float dot = Simd.Dot(pRow, dRow);
                    Simd.ScaleShift(dRow, 1f, -dot, dRow);
                    Simd.Multiply(dRow, pRow, dRow);
                }
                // dQ = dS K / sqrt(d); dK = dS^T Q / sqrt(d).
                _serialGemm.SgemmSerial(false, false, T, d, T, scale, dp, T, k, 3 * H, 0f, dq, 3 * H);
                _serialGemm.SgemmSerial(true, false, T, d, T, scale, dp, T, q, 3 * H, 0f, dk, 3 * H);
            }
        });
    }

    /// <summary>Numerically stable softmax of one row, in place.</summary>
    private static void SoftmaxInPlace(Span<float> row)
    {
        Simd.ExpShifted(row, Simd.Max(row), row);
        Simd.ScaleShift(row, 1f / Simd.Sum(row), 0f, row);
    }
}
