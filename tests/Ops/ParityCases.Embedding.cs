using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Embedding sums and their scatter-add backward; the gather of prediction rows and its scatter-add.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Embedding()
    {
        // Few tokens for many slots: repeated rows exercise the scatter-adds.
        var small = new LayerShape(2, 5, 3, 1, [5, 2]);
        yield return new($"EmbeddingForward V4 {small}", ShapeSet.Small, o => EmbeddingForward(o, small, 4));
        yield return new($"EmbeddingForward 3 segment rows V4 {small}", ShapeSet.Small, o => EmbeddingForward(o, small, 4, segmentRows: 3));
        yield return new($"EmbeddingBackward V2 {small}", ShapeSet.Small, o => EmbeddingBackward(o, small, 2, trainPositions: true));
        yield return new($"EmbeddingBackward frozen positions V2 {small}", ShapeSet.Small, o => EmbeddingBackward(o, small, 2, trainPositions: false));
        foreach (int P in new[] { 1, 4 })
        {
            yield return new($"GatherForward P{P} {small}", ShapeSet.Small, o => Gather(o, small.B, small.T, P, small.H, backward: false));
            yield return new($"GatherBackward P{P} {small}", ShapeSet.Small, o => Gather(o, small.B, small.T, P, small.H, backward: true));
        }
        foreach (var s in LayerShape.Medium)
        {
            yield return new($"EmbeddingForward {s}", ShapeSet.Medium, o => EmbeddingForward(o, s, 11));
            yield return new($"EmbeddingBackward {s}", ShapeSet.Medium, o => EmbeddingBackward(o, s, 5, trainPositions: true));
            yield return new($"EmbeddingBackward frozen positions {s}", ShapeSet.Medium, o => EmbeddingBackward(o, s, 5, trainPositions: false));
            yield return new($"GatherForward {s}", ShapeSet.Medium, o => Gather(o, s.B, s.T, 5, s.H, backward: false));
            yield return new($"GatherBackward repeated positions {s}", ShapeSet.Medium, o => Gather(o, s.B, s.T, 5, s.H, backward: true));
        }
        yield return new("EmbeddingForward 3 segment rows", ShapeSet.Medium, o => EmbeddingForward(o, LayerShape.Medium[1], 11, segmentRows: 3));
        // The book's batch and BERT-base's width; more prediction slots than rows, so positions repeat.
        var book = new LayerShape(4, 64, 128, 2, [64, 1, 30, 64]);
        var bertBase = new LayerShape(3, 37, 768, 12, [37, 1, 20]);
        yield return new($"EmbeddingForward V100 {book}", ShapeSet.Large, o => EmbeddingForward(o, book, 100));
        yield return new($"EmbeddingBackward V100 {book}", ShapeSet.Large, o => EmbeddingBackward(o, book, 100, trainPositions: true));
        yield return new($"EmbeddingForward V50 {bertBase}", ShapeSet.Large, o => EmbeddingForward(o, bertBase, 50));
        yield return new($"EmbeddingBackward frozen positions V50 {bertBase}", ShapeSet.Large, o => EmbeddingBackward(o, bertBase, 50, trainPositions: false));
        foreach (var (B, T, P, C) in new[] { (512, 64, 10, 128), (3, 37, 40, 768) })
        {
            yield return new($"GatherForward B{B} T{T} P{P} C{C}", ShapeSet.Large, o => Gather(o, B, T, P, C, backward: false));
            yield return new($"GatherBackward B{B} T{T} P{P} C{C}", ShapeSet.Large, o => Gather(o, B, T, P, C, backward: true));
        }
    }

    /// <summary>Two segment rows (the book's), or more (a Hugging Face type vocabulary larger than two).</summary>
    private static void EmbeddingForward(OpSession o, LayerShape s, int V, int segmentRows = 2)
    {
        int rows = s.T + 3;
        int[] tokens = o.Ints(s.N, V), segments = o.Ints(s.N, segmentRows);
        segments[^1] = segmentRows - 1; // the last row is read at least once
        double[] tok = o.Floats(V * s.H), seg = o.Floats(segmentRows * s.H), pos = o.Floats(rows * s.H), expected = new double[s.N * s.H];
        ReferenceOps.EmbeddingForward(expected, tokens, segments, tok, seg, pos, s.B, s.T, s.H);
        var output = o.Poisoned(s.N * s.H);
        o.Backend.EmbeddingForward(output, o.Upload(tokens), o.Upload(segments), o.Upload(tok), o.Upload(seg), o.Upload(pos), s.B, s.T, s.H);
        o.Check("output", expected, output);
    }

    /// <summary>The gradients add onto what the tables' gradients already hold.</summary>
    private static void EmbeddingBackward(OpSession o, LayerShape s, int V, bool trainPositions)
    {
        int rows = s.T + 3;
        int[] tokens = o.Ints(s.N, V), segments = o.Ints(s.N, 2);
        double[] dTok = o.Floats(V * s.H), dSeg = o.Floats(2 * s.H), dPos = o.Floats(rows * s.H), up = o.Floats(s.N * s.H);
        var (dTokView, dSegView, dPosView) = (o.Upload(dTok), o.Upload(dSeg), o.Upload(dPos));
        ReferenceOps.EmbeddingBackward(dTok, dSeg, trainPositions ? dPos : null, up, tokens, segments, s.B, s.T, s.H);
        o.Backend.EmbeddingBackward(dTokView, dSegView, trainPositions ? dPosView : null, o.Upload(up), o.Upload(tokens), o.Upload(segments), s.B, s.T, s.H);
        o.Check("dTokenTable", dTok, dTokView);
        o.Check("dSegmentTable", dSeg, dSegView);
        o.Check("dPositionTable", dPos, dPosView);
    }

    /// <summary>The forward is a copy, so it must match exactly.</summary>
    private static void Gather(OpSession o, int B, int T, int P, int C, bool backward)
    {
        // Position 0 (the padding slots and the <cls> row), 1, and a position repeated within a batch.
        int[] positions = [.. Enumerable.Range(0, B * P).Select(i => (i % P) switch { 4 => 0, 3 => 1, _ => o.Random.Next(T) })];
        if (P > 1) positions[1] = positions[0];
        if (backward)
        {
            double[] up = o.Floats(B * P * C), dx = o.Floats(B * T * C);
            var dxView = o.Upload(dx);
            ReferenceOps.GatherBackward(dx, up, positions, B, T, P, C);
            o.Backend.GatherBackward(dxView, o.Upload(up), o.Upload(positions), B, T, P, C);
            o.Check("dinput", dx, dxView);
        }
        else
        {
            double[] x = o.Floats(B * T * C), expected = new double[B * P * C];
            ReferenceOps.GatherForward(expected, x, positions, B, T, P, C);
            var output = o.Poisoned(expected.Length);
            o.Backend.GatherForward(output, o.Upload(x), o.Upload(positions), B, T, P, C);
            Assert.That(o.Download(output), Is.EqualTo(expected), "output");
        }
    }
}
