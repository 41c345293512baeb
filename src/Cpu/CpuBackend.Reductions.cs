using System.Runtime.Intrinsics;
using BertNative.Contract;

namespace BertNative.Cpu;

// Sums over whole buffers, accumulated in double (each chunk in vector lanes, then the chunks in order).
public sealed unsafe partial class CpuBackend
{
    private const long ReductionGrain = 65536;

    private double[]? _reductionPartials;

    public void WeightedSum(FloatView result, FloatView values, FloatView? weights, long n)
        => Reduce(Ptr(result, 1), Ptr(values, n), weights is { } w ? Ptr(w, n) : null, n, square: false);

    public void SumOfSquares(FloatView result, FloatView values, long n) => Reduce(Ptr(result, 1), Ptr(values, n), null, n, square: true);

    private void Reduce(float* result, float* values, float* weights, long n, bool square)
    {
        int chunkCount = _parallel.ChunkCount(n, ReductionGrain);
        if (_reductionPartials == null || _reductionPartials.Length < chunkCount) _reductionPartials = new double[chunkCount];
        double[] partial = _reductionPartials;
        int chunks = _parallel.ForChunks(n, ReductionGrain, (chunk, start, end) =>
            partial[chunk] = DoubleDot(values + start, square ? values + start : weights == null ? null : weights + start, end - start));
        double total = 0;
        for (int chunk = 0; chunk < chunks; chunk++) total += partial[chunk];
        *result = (float)total;
    }

    /// <summary>sum_i x[i] y[i] in double (y null = all ones).</summary>
    private static double DoubleDot(float* x, float* y, long n)
    {
        var acc = Vector256<double>.Zero;
        long i = 0;
        for (; i + Vector256<float>.Count <= n; i += Vector256<float>.Count)
        {
            var (xLo, xHi) = Vector256.Widen(Vector256.Load(x + i));
            if (y == null) acc += xLo + xHi;
            else
            {
                var (yLo, yHi) = Vector256.Widen(Vector256.Load(y + i));
                acc = Vector256.FusedMultiplyAdd(xLo, yLo, acc);
                acc = Vector256.FusedMultiplyAdd(xHi, yHi, acc);
            }
        }
        double sum = Vector256.Sum(acc);
        for (; i < n; i++) sum += y == null ? x[i] : (double)x[i] * y[i];
        return sum;
    }
}
