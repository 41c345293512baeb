using BertNative.Contract;

namespace BertNative.Cpu;

// Embeddings: token + segment + position rows summed. The backward scatter-adds, so threads split the hidden
// columns (not the rows): two rows with the same token never race, and the sum order is fixed.
public sealed unsafe partial class CpuBackend
{
    public void EmbeddingForward(FloatView output, IntView tokens, IntView segments,
        FloatView tokenTable, FloatView segmentTable, FloatView positionTable, int B, int T, int H)
    {
        float* o = Ptr(output, (long)B * T * H);
        int* tok = Ptr(tokens, (long)B * T), seg = Ptr(segments, (long)B * T);
        long vocabulary = tokenTable.Count / H, segmentRows = segmentTable.Count / H;
        float* tokTab = Ptr(tokenTable, vocabulary * H), segTab = Ptr(segmentTable, segmentRows * H), posTab = Ptr(positionTable, (long)T * H);
        _parallel.ForChunks((long)B * T, 64, (_, start, end) =>
        {
            for (long row = start; row < end; row++)
            {
                int token = tok[row], segment = seg[row];
                CheckIndex(token, vocabulary, "token");
                CheckIndex(segment, segmentRows, "segment");
                var dst = new Span<float>(o + row * H, H);
                Simd.Add(new ReadOnlySpan<float>(tokTab + (long)token * H, H), new ReadOnlySpan<float>(segTab + (long)segment * H, H), dst);
                Simd.Add(dst, new ReadOnlySpan<float>(posTab + row % T * H, H), dst);
            }
        });
    }

    public void EmbeddingBackward(FloatView dTokenTable, FloatView dSegmentTable, FloatView? dPositionTable,
        FloatView doutput, IntView tokens, IntView segments, int B, int T, int H)
    {
        long vocabulary = dTokenTable.Count / H;
        float* dTok = Ptr(dTokenTable, vocabulary * H), dSeg = Ptr(dSegmentTable, 2L * H), dPos = PtrOrNull(dPositionTable, (long)T * H);
        float* dOut = Ptr(doutput, (long)B * T * H);
        int* tok = Ptr(tokens, (long)B * T), seg = Ptr(segments, (long)B * T);
        long rows = (long)B * T;
        for (long row = 0; row < rows; row++)
        {
            CheckIndex(tok[row], vocabulary, "token");
            CheckIndex(seg[row], 2, "segment");
        }
        _parallel.ForChunks(H, 16, (_, c0, c1) =>
        {
            int width = (int)(c1 - c0);
            for (long row = 0; row < rows; row++)
            {
                var src = new ReadOnlySpan<float>(dOut + row * H + c0, width);
                AddInto(dTok + (long)tok[row] * H + c0, src);
                AddInto(dSeg + (long)seg[row] * H + c0, src);
                if (dPos != null) AddInto(dPos + row % T * H + c0, src);
            }
        });
    }

    private static void AddInto(float* destination, ReadOnlySpan<float> source)
    {
        var dst = new Span<float>(destination, source.Length);
        Simd.Add(dst, source, dst);
    }

    private static void CheckIndex(int index, long count, string what)
    {
        if ((uint)index >= (ulong)count) throw new ArgumentOutOfRangeException(what, $"{what} id {index} outside [0, {count})");
    }
}
