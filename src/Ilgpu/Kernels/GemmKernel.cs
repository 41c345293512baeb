using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>
/// One matrix operand of <see cref="GemmKernel"/>: row-major with leading dimension <c>Ld</c>, optionally
/// transposed, and for batch z = outer * innerCount + inner starting at <c>outer * Outer + inner * Inner</c>
/// (attention reads head h of batch b out of qkv[B,T,3H] this way). With <c>maskPaddedRows</c>, stored rows
/// (tokens) at or past validLens[outer] read as zeros: attention's padded tokens may hold anything, even NaN,
/// and 0 * NaN in a product would reach the valid outputs.
/// </summary>
internal readonly struct GemmOperand
{
    public GemmOperand(int ld, bool transposed = false, long outer = 0, long inner = 0, bool maskPaddedRows = false)
    {
        Ld = ld;
        Trans = transposed ? 1 : 0; // kernel arguments carry flags as ints: .NET's bool is not a device type
        Outer = outer;
        Inner = inner;
        MaskPaddedRows = maskPaddedRows ? 1 : 0;
    }

    public int Ld { get; }
    public int Trans { get; }
    public long Outer { get; }
    public long Inner { get; }
    public int MaskPaddedRows { get; }

    public long Base(int outer, int inner) => outer * Outer + inner * Inner;
}

/// <summary>
/// Strided-batched SGEMM: C[z] = alpha op(A[z]) op(B[z]) (+ bias per column) (+ C[z] when accumulating), with op(A) [M,K],
/// op(B) [K,N], C [M,N]. One group of tile x tile threads computes one tile of C, either through shared memory
/// (<see cref="IlgpuGemm.Tiled"/>) or each thread on its own (<see cref="IlgpuGemm.Direct"/>); both sum k in order.
/// </summary>
internal sealed class GemmKernel : IDisposable
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<int>, GemmArgs> _kernel;
    private readonly int _tile;

    public GemmKernel(Accelerator accelerator, IlgpuGemm strategy = IlgpuGemm.Auto)
    {
        Strategy = strategy != IlgpuGemm.Auto ? strategy
            : accelerator.AcceleratorType == AcceleratorType.CPU ? IlgpuGemm.Direct : IlgpuGemm.Tiled;
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, GemmArgs>(
            Strategy == IlgpuGemm.Direct ? DirectKernel : TiledKernel);
        _tile = LaunchShape.TileSize(accelerator);
        _dummyLens = accelerator.Allocate1D<int>(1);
    }

    public IlgpuGemm Strategy { get; }

    // Passed where a GEMM masks nothing (a kernel argument must be a valid view).
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _dummyLens;

    public void Dispose() => _dummyLens.Dispose();

    internal readonly record struct GemmArgs(int M, int N, int K, int InnerCount, GemmOperand A, GemmOperand B, GemmOperand C,
        float Alpha, int Accumulate, int HasBias);

    private static void TiledKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias,
        ArrayView<int> validLens, GemmArgs g)
    {
        var tileA = SharedMemory.Allocate<float>(LaunchShape.MaxTile * LaunchShape.TileStride);
        var tileB = SharedMemory.Allocate<float>(LaunchShape.MaxTile * LaunchShape.TileStride);
        int t = Group.DimX, tx = Group.IdxX, ty = Group.IdxY;
        int row = Grid.IdxY * t + ty, col = Grid.IdxX * t + tx;
        int outer = Grid.IdxZ / g.InnerCount, inner = Grid.IdxZ % g.InnerCount;
        long aBase = g.A.Base(outer, inner), bBase = g.B.Base(outer, inner);
        int aRows = StoredRows(g.A, validLens, outer), bRows = StoredRows(g.B, validLens, outer);

        float acc = 0f;
        for (int k0 = 0; k0 < g.K; k0 += t)
        {
            // Thread (ty, tx) loads op(A)[row, k0 + tx] and op(B)[k0 + ty, col]; out-of-range reads are zeros.
            int ka = k0 + tx, kb = k0 + ty;
            tileA[ty * LaunchShape.TileStride + tx] = row < g.M && ka < g.K ? Read(a, g.A, aBase, row, ka, aRows) : 0f;
            tileB[ty * LaunchShape.TileStride + tx] = kb < g.K && col < g.N ? Read(b, g.B, bBase, kb, col, bRows) : 0f;
            Group.Barrier();
            for (int k = 0; k < t; k++)
                acc += tileA[ty * LaunchShape.TileStride + k] * tileB[k * LaunchShape.TileStride + tx];
            Group.Barrier();
        }

        if (row < g.M && col < g.N) Store(c, bias, g, outer, inner, row, col, acc);
    }

    private static void DirectKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias,
        ArrayView<int> validLens, GemmArgs g)
    {
        int t = Group.DimX;
        int row = Grid.IdxY * t + Group.IdxY, col = Grid.IdxX * t + Group.IdxX;
        if (row >= g.M || col >= g.N) return;
        int outer = Grid.IdxZ / g.InnerCount, inner = Grid.IdxZ % g.InnerCount;
        long aBase = g.A.Base(outer, inner), bBase = g.B.Base(outer, inner);
        int aRows = StoredRows(g.A, validLens, outer), bRows = StoredRows(g.B, validLens, outer);

        float acc = 0f;
        for (int k = 0; k < g.K; k++)
            acc += Read(a, g.A, aBase, row, k, aRows) * Read(b, g.B, bBase, k, col, bRows);
        Store(c, bias, g, outer, inner, row, col, acc);
    }

    /// <summary>The operand's stored rows (tokens) that hold data: validLens[outer] when it masks padded rows.</summary>
    private static int StoredRows(GemmOperand op, ArrayView<int> validLens, int outer)
        => op.MaskPaddedRows != 0 ? validLens[outer] : int.MaxValue;

    /// <summary>op(M)[i, j] of the operand at <paramref name="baseIndex"/>; 0 where its stored row is at or past storedRows.</summary>
    private static float Read(ArrayView<float> m, GemmOperand op, long baseIndex, int i, int j, int storedRows)
    {
        int storedRow = op.Trans != 0 ? j : i, storedColumn = op.Trans != 0 ? i : j;
        return storedRow < storedRows ? m[baseIndex + (long)storedRow * op.Ld + storedColumn] : 0f;
    }

    private static void Store(ArrayView<float> c, ArrayView<float> bias, GemmArgs g, int outer, int inner, int row, int col, float acc)
    {
        long ci = g.C.Base(outer, inner) + (long)row * g.C.Ld + col;
        float result = g.Alpha * acc;
        if (g.HasBias != 0) result += bias[col];
        if (g.Accumulate != 0) result += c[ci];
        c[ci] = result;
    }

    /// <param name="bias">[N] added to every row when <paramref name="hasBias"/>; any view otherwise.</param>
    /// <param name="validLens">[outerCount] rows kept by operands with maskPaddedRows; any view otherwise.</param>
    public void Run(AcceleratorStream stream, int M, int N, int K, int outerCount, int innerCount,
        ArrayView<float> a, GemmOperand aOp, ArrayView<float> b, GemmOperand bOp, ArrayView<float> c, GemmOperand cOp,
        float alpha = 1f, bool accumulate = false, ArrayView<float> bias = default, bool hasBias = false,
        ArrayView<int> validLens = default)
    {
        if ((aOp.MaskPaddedRows | bOp.MaskPaddedRows) != 0 && validLens.Length < outerCount)
            throw new ArgumentException("masked GEMM operands need validLens for every outer batch");
        if (M == 0 || N == 0 || outerCount * innerCount == 0) return;
        var grid = new Index3D(LaunchShape.CeilDiv(N, _tile), LaunchShape.CeilDiv(M, _tile), outerCount * innerCount);
        var args = new GemmArgs(M, N, K, innerCount, aOp, bOp, cOp, alpha, accumulate ? 1 : 0, hasBias ? 1 : 0);
        _kernel(stream, new KernelConfig(grid, new Index3D(_tile, _tile, 1)), a, b, c, hasBias ? bias : c,
            validLens.IsValid ? validLens : _dummyLens.View, args);
    }
}
