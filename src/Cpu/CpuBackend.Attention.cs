using BertNative.Contract;

namespace BertNative.Cpu;

// Multi-head attention core, one (batch, head) pair per task. Q, K and V are read in place from qkv[B,T,3H]
// (row stride 3H) and the head's output is written in place into output[B,T,H] (row stride H), so nothing is
// permuted. The GEMMs are small (T x T x d), so each task runs them serially and the tasks run in parallel.
// Keys j >= validLen get probability exactly 0 (exp(-1e6 - max) underflows) and padded queries i >= validLen
// are not computed (contract), so every product spans only the valid x valid block; the rest is written as zeros.
// Keys a key mask hides score -1e6 and get probability exactly 0, so the backward needs no mask.
public sealed unsafe partial class CpuBackend
{
    public void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens, IntView? keyMask,
        int B, int T, int H, int heads, Dropout dropout)
    {
        int d = HeadSize(H, heads);
        float* o = Ptr(output, (long)B * T * H), p = Ptr(probs, (long)B * heads * T * T), x = Ptr(qkv, (long)B * T * 3 * H);
        int* lens = CheckedValidLens(validLens, B, T);
        int* keys = keyMask is { } mask ? CheckedKeyMask(mask, lens, B, T) : null;
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
                float* q = x + b * T * 3 * H + h * d, k = q + H, v = q + 2 * H;
                float* pr = p + bh * tt;
                _serialGemm.SgemmSerial(false, true, valid, valid, d, scale, q, 3 * H, k, 3 * H, 0f, pr, T);
                for (int i = 0; i < valid; i++)
                {
                    var row = new Span<float>(pr + (long)i * T, T);
                    if (keys == null) SoftmaxInPlace(row[..valid]);
                    else MaskedSoftmaxInPlace(row[..valid], new ReadOnlySpan<int>(keys + b * T, valid));
                    row[valid..].Clear();
                }
                new Span<float>(pr + (long)valid * T, (T - valid) * T).Clear();
                float* weights = pr;
                if (dropout.IsActive)
                {
                    for (int i = 0; i < valid; i++) DropoutMask.Apply(dropped + (long)i * T, pr + (long)i * T, valid, bh * tt + (long)i * T, dropout);
                    weights = dropped;
                }
                float* headOutput = o + b * T * H + h * d;
                _serialGemm.SgemmSerial(false, false, valid, d, valid, 1f, weights, T, v, 3 * H, 0f, headOutput, H);
                for (int i = valid; i < T; i++) new Span<float>(headOutput + (long)i * H, d).Clear();
            }
        });
    }

    public void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout)
    {
        int d = HeadSize(H, heads);
        float* dx = Ptr(dqkv, (long)B * T * 3 * H), dout = Ptr(doutput, (long)B * T * H);
        float* x = Ptr(qkv, (long)B * T * 3 * H), p = Ptr(probs, (long)B * heads * T * T);
        int* lens = CheckedValidLens(validLens, B, T);
        float scale = 1f / MathF.Sqrt(d);
        long tt = (long)T * T;
        float* scratch = _attentionScratch.Get(_parallel.ChunkCount((long)B * heads, 1) * 2 * tt);
        _parallel.ForChunks((long)B * heads, 1, (chunk, start, end) =>
        {
            float* dropped = scratch + chunk * 2 * tt, dp = dropped + tt;
            for (long bh = start; bh < end; bh++)
            {
                long b = bh / heads, h = bh % heads;
                int valid = lens[b];
                long qOffset = b * T * 3 * H + h * d;
                float* q = x + qOffset, k = q + H, v = q + 2 * H;
                float* dq = dx + qOffset, dk = dq + H, dv = dq + 2 * H;
                float* dO = dout + b * T * H + h * d;
                float* pr = p + bh * tt;
                float* weights = pr;
                if (dropout.IsActive)
                {
                    for (int i = 0; i < valid; i++) DropoutMask.Apply(dropped + (long)i * T, pr + (long)i * T, valid, bh * tt + (long)i * T, dropout);
                    weights = dropped;
                }
                // dV = P'^T dO; dP' = dO V^T, then back through the dropout.
                _serialGemm.SgemmSerial(true, false, valid, d, valid, 1f, weights, T, dO, H, 0f, dv, 3 * H);
                _serialGemm.SgemmSerial(false, true, valid, valid, d, 1f, dO, H, v, 3 * H, 0f, dp, T);
                for (int i = 0; i < valid; i++)
                {
                    float* dRow = dp + (long)i * T;
                    if (dropout.IsActive) DropoutMask.Apply(dRow, dRow, valid, bh * tt + (long)i * T, dropout);
                    // Softmax backward: dS = P (dP - rowsum(P dP)).
                    var pRow = new ReadOnlySpan<float>(pr + (long)i * T, valid);
                    var dSpan = new Span<float>(dRow, valid);
                    Simd.ScaleShift(dSpan, 1f, -Simd.Dot(pRow, dSpan), dSpan);
                    Simd.Multiply(dSpan, pRow, dSpan);
                }
                // dQ = dS K / sqrt(d); dK = dS^T Q / sqrt(d). Masked keys and padded queries get no gradient.
                _serialGemm.SgemmSerial(false, false, valid, d, valid, scale, dp, T, k, 3 * H, 0f, dq, 3 * H);
                _serialGemm.SgemmSerial(true, false, valid, d, valid, scale, dp, T, q, 3 * H, 0f, dk, 3 * H);
                for (int j = valid; j < T; j++)
                {
                    new Span<float>(dq + (long)j * 3 * H, d).Clear();
                    new Span<float>(dk + (long)j * 3 * H, d).Clear();
                    new Span<float>(dv + (long)j * 3 * H, d).Clear();
                }
            }
        });
    }

    private static int HeadSize(int H, int heads)
    {
        if (heads < 1 || H % heads != 0) throw new ArgumentException($"hidden size {H} does not split into {heads} heads");
        return H / heads;
    }

    private static int* CheckedValidLens(IntView validLens, int B, int T)
    {
        int* lens = Ptr(validLens, B);
        for (int b = 0; b < B; b++)
            if (lens[b] < 1 || lens[b] > T) throw new ArgumentOutOfRangeException(nameof(validLens), $"valid length {lens[b]} outside [1, {T}]");
        return lens;
    }

    private static int* CheckedKeyMask(IntView keyMask, int* lens, int B, int T)
    {
        int* keys = Ptr(keyMask, (long)B * T);
        for (int b = 0; b < B; b++)
        {
            var row = new ReadOnlySpan<int>(keys + (long)b * T, lens[b]);
            if (row.ContainsAnyExcept(0, 1)) throw new ArgumentOutOfRangeException(nameof(keyMask), $"key mask of example {b} holds a value other than 0 and 1");
            if (!row.Contains(1)) throw new ArgumentException($"key mask of example {b} masks every key below its valid length {lens[b]}", nameof(keyMask));
        }
        return keys;
    }

    /// <summary>Softmax of one row with the keys whose mask is 0 scored -1e6: their probability is set to exactly 0.</summary>
    private static void MaskedSoftmaxInPlace(Span<float> row, ReadOnlySpan<int> keys)
    {
        for (int j = 0; j < row.Length; j++) if (keys[j] == 0) row[j] = -1e6f;
        SoftmaxInPlace(row);
        for (int j = 0; j < row.Length; j++) if (keys[j] == 0) row[j] = 0f;
    }

    /// <summary>Numerically stable softmax of one row, in place.</summary>
    private static void SoftmaxInPlace(Span<float> row)
    {
        float sum = Simd.ExpShifted(row, Simd.Max(row), row);
        Simd.ScaleShift(row, 1f / sum, 0f, row);
    }
}
