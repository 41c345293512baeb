using BertNative.Contract;

namespace BertNative.Cpu;

// Fused softmax + cross-entropy per row, max-subtracted. The exponentials go into the row's dlogits (which may
// be the logits themselves, read first) or, for loss only, into per-chunk scratch.
public sealed unsafe partial class CpuBackend
{
    public void SoftmaxCrossEntropy(FloatView losses, FloatView? dlogits, FloatView logits, IntView labels,
        FloatView? weights, float gradScale, int N, int C)
    {
        float* loss = Ptr(losses, N), x = Ptr(logits, (long)N * C), dx = PtrOrNull(dlogits, (long)N * C), w = PtrOrNull(weights, N);
        int* label = Ptr(labels, N);
        float* scratch = dx == null ? _lossScratch.Get((long)_parallel.ChunkCount(N, 1) * C) : null;
        _parallel.ForChunks(N, 1, (chunk, start, end) =>
        {
            for (long n = start; n < end; n++)
            {
                int y = label[n];
                CheckIndex(y, C, "label");
                var row = new ReadOnlySpan<float>(x + n * C, C);
                float max = Simd.Max(row);
                float labelLogit = row[y];
                var exps = new Span<float>(dx != null ? dx + n * C : scratch + (long)chunk * C, C);
                float sum = Simd.ExpShifted(row, max, exps);
                loss[n] = max + MathF.Log(sum) - labelLogit;
                if (dx == null) continue;
                float factor = (w == null ? 1f : w[n]) * gradScale;
                Simd.ScaleShift(exps, factor / sum, 0f, exps);
                exps[y] -= factor;
            }
        });
    }
}
