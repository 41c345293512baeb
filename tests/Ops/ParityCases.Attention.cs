using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Attention forward and backward with padding masks (valid lengths 1 and T), Hugging Face-style key masks
// (left padding, holes) and dropout on the probabilities.
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

        foreach (var s in small[1..])
            foreach (float p in new[] { 0f, 0.3f })
                foreach (var c in AttentionCases(s, p, ShapeSet.Small, masked: true)) yield return c;
        foreach (var c in AttentionCases(odd, 0.5f, ShapeSet.Medium, masked: true)) yield return c;
        foreach (var c in AttentionCases(new(8, 64, 128, 2, [64, 17, 64, 33, 5, 64, 50, 64]), 0.1f, ShapeSet.Large, masked: true)) yield return c;
    }

    private static IEnumerable<ParityCase> AttentionCases(LayerShape s, float p, ShapeSet shapes, bool masked = false)
    {
        int[]? keys = masked ? KeyMask(s) : null;
        string name = masked ? $"p{p} key-masked {s}" : $"p{p} {s}";
        yield return new($"AttentionForward {name}", shapes, o => AttentionForward(o, s, p, keys));
        yield return new($"AttentionBackward {name}", shapes, o => AttentionBackward(o, s, p, keys));
    }

    /// <summary>Even examples left-padded (the first half of their keys masked), odd ones with holes (every third key);
    /// past the valid length the mask alternates, which must change nothing.</summary>
    private static int[] KeyMask(LayerShape s)
    {
        var mask = new int[s.B * s.T];
        for (int b = 0; b < s.B; b++)
            for (int j = 0; j < s.T; j++)
            {
                int valid = s.ValidLens[b];
                bool hidden = j >= valid ? j % 2 == 0 : b % 2 == 0 ? j < valid / 2 : j % 3 == 1;
                mask[b * s.T + j] = hidden ? 0 : 1;
            }
        return mask;
    }

    private static Dropout AttentionDropout(float p) => p == 0 ? Dropout.None : Dropout.For(p, 1234, 5, 6);

    private static void AttentionForward(OpSession o, LayerShape s, float p, int[]? keyMask)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), expected = new double[s.N * s.H], probs = new double[(long)s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(expected, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout, keyMask);
        FloatView output = o.Poisoned(expected.Length), probsView = o.Poisoned(probs.Length);
        o.Backend.AttentionForward(output, probsView, o.Upload(qkv), o.Upload(s.ValidLens), keyMask is null ? null : o.Upload(keyMask),
            s.B, s.T, s.H, s.Heads, dropout);
        o.Check("output", expected, output);
        o.Check("probs", probs, probsView);
    }

    private static void AttentionBackward(OpSession o, LayerShape s, float p, int[]? keyMask)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), output = new double[s.N * s.H], probs = new double[(long)s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(output, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout, keyMask);
        probs = [.. probs.Select(v => (double)(float)v)]; // as the backend's forward stored them
        double[] up = o.Floats(s.N * s.H), expected = new double[qkv.Length];
        ReferenceOps.AttentionBackward(expected, up, qkv, probs, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        var dqkv = o.Poisoned(qkv.Length);
        o.Backend.AttentionBackward(dqkv, o.Upload(up), o.Upload(qkv), o.Upload(probs), o.Upload(s.ValidLens), s.B, s.T, s.H, s.Heads, dropout);
        o.Check("dqkv", expected, dqkv);
    }
}
