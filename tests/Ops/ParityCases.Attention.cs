using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Attention forward and backward with padding masks (valid lengths 1 and T) and dropout on the probabilities.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Attention()
    {
        // One query; head size 3 off the tile grid; T = 6 spanning two tiles of ILGPU's CPU accelerator;
        // T = 19 longer than its 16-thread softmax group.
        LayerShape[] small = [new(1, 1, 2, 1, [1]), new(2, 5, 6, 2, [5, 3]), new(2, 6, 8, 4, [6, 2]), new(2, 19, 4, 2, [19, 7])];
        foreach (var s in small)
            foreach (float p in new[] { 0f, 0.3f })
                foreach (var c in AttentionCases(s, p, ShapeSet.Small)) yield return c;
        foreach (var s in LayerShape.Medium)
            foreach (float p in new[] { 0f, 0.2f })
                foreach (var c in AttentionCases(s, p, ShapeSet.Medium)) yield return c;
        var odd = new LayerShape(3, 37, 64, 4, [1, 20, 37]);
        foreach (float p in new[] { 0f, 0.5f })
            foreach (var c in AttentionCases(odd, p, ShapeSet.Medium)) yield return c;
        // The book's layer and BERT-base's.
        foreach (var c in AttentionCases(new(8, 64, 128, 2, [1, 17, 64, 33, 5, 64, 50, 64]), 0.1f, ShapeSet.Large)) yield return c;
        foreach (var c in AttentionCases(new(2, 512, 768, 12, [1, 512]), 0.1f, ShapeSet.Large)) yield return c;
    }

    private static IEnumerable<ParityCase> AttentionCases(LayerShape s, float p, ShapeSet shapes)
    {
        yield return new($"AttentionForward p{p} {s}", shapes, o => AttentionForward(o, s, p));
        yield return new($"AttentionBackward p{p} {s}", shapes, o => AttentionBackward(o, s, p));
    }

    private static Dropout AttentionDropout(float p) => p == 0 ? Dropout.None : Dropout.For(p, 1234, 5, 6);

    private static void AttentionForward(OpSession o, LayerShape s, float p)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), expected = new double[s.N * s.H], probs = new double[(long)s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(expected, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        FloatView output = o.Poisoned(expected.Length), probsView = o.Poisoned(probs.Length);
        o.Backend.AttentionForward(output, probsView, o.Upload(qkv), o.Upload(s.ValidLens), s.B, s.T, s.H, s.Heads, dropout);
        o.Check("output", expected, output);
        o.Check("probs", probs, probsView);
    }

    private static void AttentionBackward(OpSession o, LayerShape s, float p)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), output = new double[s.N * s.H], probs = new double[(long)s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(output, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        probs = [.. probs.Select(v => (double)(float)v)]; // as the backend's forward stored them
        double[] up = o.Floats(s.N * s.H), expected = new double[qkv.Length];
        ReferenceOps.AttentionBackward(expected, up, qkv, probs, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        var dqkv = o.Poisoned(qkv.Length);
        o.Backend.AttentionBackward(dqkv, o.Upload(up), o.Upload(qkv), o.Upload(probs), o.Upload(s.ValidLens), s.B, s.T, s.H, s.Heads, dropout);
        o.Check("dqkv", expected, dqkv);
    }
}
