using BertNative.Contract;

namespace BertNative.Cpu;

// LayerNorm over the last dimension (biased variance, two-pass), optionally fused with dropout and the residual add.
// Rows are split over the threads; dgamma/dbeta are summed per chunk in scratch, then added in chunk order.
public sealed unsafe partial class CpuBackend
{
    private const long LayerNormRowGrain = 64;

    public void LayerNormForward(FloatView output, FloatView mean, FloatView rstd, FloatView input,
        FloatView gamma, FloatView beta, int N, int C, float epsilon)
        => LayerNormRows(Ptr(output, (long)N * C), Ptr(mean, N), Ptr(rstd, N), Ptr(input, (long)N * C), null, null,
            Ptr(gamma, C), Ptr(beta, C), N, C, epsilon, Dropout.None);

    public void ResidualLayerNormForward(FloatView output, FloatView residual, FloatView mean, FloatView rstd,
        FloatView a, FloatView b, FloatView gamma, FloatView beta, int N, int C, float epsilon, Dropout dropout)
        => LayerNormRows(Ptr(output, (long)N * C), Ptr(mean, N), Ptr(rstd, N), Ptr(residual, (long)N * C),
            Ptr(a, (long)N * C), Ptr(b, (long)N * C), Ptr(gamma, C), Ptr(beta, C), N, C, epsilon, dropout);

    /// <summary>Normalizes x (first set to a + dropout(b) when a is given) into y.</summary>
    private void LayerNormRows(float* y, float* means, float* rstds, float* x, float* a, float* b,
        float* gamma, float* beta, int N, int C, float epsilon, Dropout dropout)
    {
        _parallel.ForChunks(N, LayerNormRowGrain, (_, start, end) =>
        {
            var g = new ReadOnlySpan<float>(gamma, C);
            var bt = new ReadOnlySpan<float>(beta, C);
            // dropout(b) of one row, beside the row: x may alias a or b, so b is never dropped in place.
            Span<float> dropped = a != null && dropout.IsActive ? stackalloc float[C] : default;
            for (long n = start; n < end; n++)
            {
                var row = new Span<float>(x + n * C, C);
                if (!dropped.IsEmpty)
                {
                    fixed (float* d = dropped) DropoutMask.Apply(d, b + n * C, C, n * C, dropout);
                    Simd.Add(new ReadOnlySpan<float>(a + n * C, C), dropped, row);
                }
                else if (a != null) Simd.Add(new ReadOnlySpan<float>(a + n * C, C), new ReadOnlySpan<float>(b + n * C, C), row);
                var outRow = new Span<float>(y + n * C, C);
                float mu = Simd.Sum(row) / C;
                Simd.ScaleShift(row, 1f, -mu, outRow);
                float r = 1f / MathF.Sqrt(Simd.Dot(outRow, outRow) / C + epsilon);
                Simd.ScaleShift(outRow, r, 0f, outRow);
                Simd.MultiplyAdd(outRow, g, bt, outRow);
                means[n] = mu;
                rstds[n] = r;
            }
        });
    }

    public void LayerNormBackward(FloatView dinput, FloatView dgamma, FloatView dbeta, FloatView doutput,
        FloatView input, FloatView gamma, FloatView mean, FloatView rstd, int N, int C)
    {
        float* dx = Ptr(dinput, (long)N * C), dg = Ptr(dgamma, C), db = Ptr(dbeta, C), dy = Ptr(doutput, (long)N * C);
        float* x = Ptr(input, (long)N * C), g = Ptr(gamma, C), means = Ptr(mean, N), rstds = Ptr(rstd, N);
        int chunks = _parallel.ChunkCount(N, LayerNormRowGrain);
        // Per chunk: xhat row, dnorm row, partial dgamma, partial dbeta.
        float* scratch = _layerNormScratch.Get(4L * C * chunks);
        _parallel.ForChunks(N, LayerNormRowGrain, (chunk, start, end) =>
        {
            float* s = scratch + 4L * C * chunk;
            Span<float> xhat = new(s, C), dnorm = new(s + C, C), pdg = new(s + 2 * C, C), pdb = new(s + 3 * C, C);
            pdg.Clear();
            pdb.Clear();
            var gammaRow = new ReadOnlySpan<float>(g, C);
            for (long n = start; n < end; n++)
            {
                var dyRow = new ReadOnlySpan<float>(dy + n * C, C);
                float r = rstds[n];
                Simd.ScaleShift(new ReadOnlySpan<float>(x + n * C, C), r, -means[n] * r, xhat);
                Simd.MultiplyAdd(dyRow, xhat, pdg, pdg);
                Simd.Add(pdb, dyRow, pdb);
                Simd.Multiply(dyRow, gammaRow, dnorm);
                float meanDnorm = Simd.Sum(dnorm) / C;
                float meanDnormXhat = Simd.Dot(dnorm, xhat) / C;
                // dx = (dnorm - mean(dnorm) - xhat mean(dnorm xhat)) rstd
                Simd.MultiplyAdd(xhat, -meanDnormXhat, dnorm, dnorm);
                Simd.ScaleShift(dnorm, r, -meanDnorm * r, new Span<float>(dx + n * C, C));
            }
        });
        Span<float> dgRow = new(dg, C), dbRow = new(db, C);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            float* s = scratch + 4L * C * chunk;
            Simd.Add(dgRow, new ReadOnlySpan<float>(s + 2 * C, C), dgRow);
            Simd.Add(dbRow, new ReadOnlySpan<float>(s + 3 * C, C), dbRow);
        }
    }
}
