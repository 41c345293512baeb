using BertNative.Ilgpu;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ilgpu;

public sealed class EmbeddingAndGatherTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    private const int B = 2, T = 5, H = 3, MaxPositions = 7;

    /// <summary>Two segment rows (the book's), or three (a Hugging Face type vocabulary larger than two).</summary>
    [Test]
    public void EmbeddingForwardSumsThreeTables([Values(2, 3)] int segmentRows)
    {
        const int V = 4;
        using var o = Session();
        int[] tokens = o.Ints(B * T, V), segments = o.Ints(B * T, segmentRows);
        segments[^1] = segmentRows - 1; // the last row is read at least once
        double[] tok = o.Floats(V * H), seg = o.Floats(segmentRows * H), pos = o.Floats(MaxPositions * H), expected = new double[B * T * H];
        ReferenceOps.EmbeddingForward(expected, tokens, segments, tok, seg, pos, B, T, H);
        var output = o.Poisoned(B * T * H);
        Backend.EmbeddingForward(output, o.Upload(tokens), o.Upload(segments), o.Upload(tok), o.Upload(seg), o.Upload(pos), B, T, H);
        o.Check("output", expected, output);
    }

    [Test]
    public void EmbeddingBackwardScatterAdds([Values] bool positionTrained)
    {
        const int V = 2; // few tokens for ten slots: repeated rows exercise the atomics
        using var o = Session();
        int[] tokens = o.Ints(B * T, V), segments = o.Ints(B * T, 2);
        double[] dy = o.Floats(B * T * H), dtok = o.Floats(V * H), dseg = o.Floats(2 * H), dpos = o.Floats(MaxPositions * H);
        var dtokView = o.Upload(dtok);
        var dsegView = o.Upload(dseg);
        var dposView = o.Upload(dpos);
        Backend.EmbeddingBackward(dtokView, dsegView, positionTrained ? dposView : null, o.Upload(dy), o.Upload(tokens),
            o.Upload(segments), B, T, H);
        ReferenceOps.EmbeddingBackward(dtok, dseg, positionTrained ? dpos : null, dy, tokens, segments, B, T, H);
        o.Check("dTokenTable", dtok, dtokView);
        o.Check("dSegmentTable", dseg, dsegView);
        o.Check("dPositionTable", dpos, dposView);
    }

    [Test]
    public void GatherForwardAndBackward([Values(1, 4)] int P)
    {
        const int C = 3;
        using var o = Session();
        int[] positions = o.Ints(B * P, T);
        if (P > 1) positions[1] = positions[0]; // a repeated position within a batch: the backward must add both
        double[] input = o.Floats(B * T * C), dy = o.Floats(B * P * C), dinput = o.Floats(B * T * C), expected = new double[B * P * C];
        var output = o.Poisoned(B * P * C);
        var dinputView = o.Upload(dinput);
        var positionView = o.Upload(positions);
        Backend.GatherForward(output, o.Upload(input), positionView, B, T, P, C);
        Backend.GatherBackward(dinputView, o.Upload(dy), positionView, B, T, P, C);
        ReferenceOps.GatherForward(expected, input, positions, B, T, P, C);
        ReferenceOps.GatherBackward(dinput, dy, positions, B, T, P, C);
        o.Check("output", expected, output);
        o.Check("dinput", dinput, dinputView);
    }
}
