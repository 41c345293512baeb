using BertNative.Contract;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Group sizes chosen per accelerator. Shared memory is allocated statically at the
/// largest sizes; smaller accelerators (the CPU simulator has 16 threads a group) use a part of it.</summary>
internal static class LaunchShape
{
    /// <summary>Most threads of a row-reduction group (and its shared-memory slots).</summary>
    public const int MaxBlock = 256;

    /// <summary>Largest GEMM tile edge; a tile row is padded by one to avoid bank conflicts.</summary>
    public const int MaxTile = 16;
    public const int TileStride = MaxTile + 1;

    /// <summary>The largest power of two &lt;= min(MaxBlock, threads per group): the reductions halve it.</summary>
    public static int BlockSize(Accelerator accelerator)
    {
        int limit = Math.Min(MaxBlock, accelerator.MaxNumThreadsPerGroup), size = 1;
        while (size * 2 <= limit) size *= 2;
        return size;
    }

    /// <summary>The largest power-of-two tile edge t &lt;= MaxTile whose t*t threads fit in a group.</summary>
    public static int TileSize(Accelerator accelerator)
    {
        int tile = 1;
        while (tile * 2 <= MaxTile && tile * 2 * tile * 2 <= accelerator.MaxNumThreadsPerGroup) tile *= 2;
        return tile;
    }

    /// <summary>An element count as ILGPU's int launch dimension.</summary>
    public static int Count(long n) => n <= int.MaxValue && n >= 0
        ? (int)n
        : throw new BertNativeException($"ilgpu: {n} elements exceed one kernel launch (at most {int.MaxValue})");

    public static int CeilDiv(int n, int d) => (n + d - 1) / d;
}
