namespace BertNative.Cpu;

/// <summary>Splits work over a fixed number of threads. Chunks are contiguous and equal, so each chunk can
/// own a slice of scratch memory (indexed by the chunk number) and results are deterministic. With several threads
/// there are up to four chunks per thread, taken as threads come free: on a shared machine one core is often slowed
/// by a neighbour, and with one chunk per thread the other would wait for it.</summary>
internal sealed class CpuParallel
{
    private readonly ParallelOptions _options;

    public CpuParallel(int threads)
    {
        Threads = threads;
        _options = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public int Threads { get; }

    /// <summary>Runs body(chunk, start, end) over at most <see cref="MaxChunks"/> chunks of [0, n), each at least
    /// <paramref name="minPerChunk"/> long (small jobs stay on the calling thread). Returns the chunk count.</summary>
    public int ForChunks(long n, long minPerChunk, Action<int, long, long> body)
    {
        if (n <= 0) return 0;
        int chunks = ChunkCount(n, minPerChunk);
        if (chunks == 1)
        {
            body(0, 0, n);
            return 1;
        }
        Parallel.For(0, chunks, _options, c => body(c, n * c / chunks, n * (c + 1) / chunks));
        return chunks;
    }

    /// <summary>The number of chunks <see cref="ForChunks"/> will use, for sizing per-chunk scratch.</summary>
    public int ChunkCount(long n, long minPerChunk) => n <= 0 ? 0 : (int)Math.Clamp(n / Math.Max(1, minPerChunk), 1, MaxChunks);

    private int MaxChunks => Threads == 1 ? 1 : 4 * Threads;

    /// <summary>Runs body(i) for i in [0, count), dynamically balanced (for uneven tasks such as GEMM tiles).</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || Threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, _options, body);
    }
}
