using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Embedding, linear layers, attention, LayerNorm.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Layers()
    {
        foreach (var s in LayerShape.All)
        {
            yield return new($"EmbeddingForward {s}", o => EmbeddingForward(o, s));
            yield return new($"EmbeddingBackward {s}", o => EmbeddingBackward(o, s, trainPositions: true));
            yield return new($"EmbeddingBackward frozen positions {s}", o => EmbeddingBackward(o, s, trainPositions: false));
            yield return new($"MatmulForward qkv {s}", o => MatmulForward(o, s.N, s.H, 3 * s.H, bias: true));
            yield return new($"MatmulBackward qkv {s}", o => MatmulBackward(o, s.N, s.H, 3 * s.H, Input.Write, bias: true));
            foreach (float p in new[] { 0f, 0.2f })
            {
                yield return new($"AttentionForward p{p} {s}", o => AttentionForward(o, s, p));
                yield return new($"AttentionBackward p{p} {s}", o => AttentionBackward(o, s, p));
            }
            yield return new($"LayerNormForward {s}", o => LayerNormForward(o, s.N, s.H, residual: false));
            yield return new($"ResidualLayerNormForward {s}", o => LayerNormForward(o, s.N, s.H, residual: true));
            yield return new($"ResidualLayerNormForward p0.2 {s}", o => LayerNormForward(o, s.N, s.H, residual: true, dropoutRate: 0.2f));
            yield return new($"LayerNormBackward {s}", o => LayerNormBackward(o, s.N, s.H));
        }
        // GEMM shapes past the managed GEMM's blocking (Kc 256, Nc 512) and tile edges, and past the parallel grains.
        yield return new("MatmulForward no bias N70 I33 O17", o => MatmulForward(o, 70, 33, 17, bias: false));
        yield return new("MatmulForward N140 I300 O530", o => MatmulForward(o, 140, 300, 530, bias: true));
        yield return new("MatmulBackward N300 I140 O265", o => MatmulBackward(o, 300, 140, 265, Input.Write, bias: true));
        yield return new("MatmulBackward accumulate N37 I19 O45", o => MatmulBackward(o, 37, 19, 45, Input.Accumulate, bias: false));
        yield return new("MatmulBackward no dinput N37 I19 O45", o => MatmulBackward(o, 37, 19, 45, Input.None, bias: true));
        yield return new("LayerNormBackward N700 C128", o => LayerNormBackward(o, 700, 128));
        // Hugging Face's epsilon (the embedding LayerNorm and every other one of its models).
        yield return new("LayerNormForward eps 1e-12 N37 C48", o => LayerNormForward(o, 37, 48, residual: false, epsilon: 1e-12f));
    }

    private enum Input { Write, Accumulate, None }

    private static void EmbeddingForward(OpSession o, LayerShape s)
    {
        int V = 11, rows = s.T + 3;
        int[] tokens = o.Ints(s.N, V), segments = o.Ints(s.N, 2);
        double[] tok = o.Floats(V * s.H), seg = o.Floats(2 * s.H), pos = o.Floats(rows * s.H), expected = new double[s.N * s.H];
        ReferenceOps.EmbeddingForward(expected, tokens, segments, tok, seg, pos, s.B, s.T, s.H);
        var output = o.Poisoned(s.N * s.H);
        o.Backend.EmbeddingForward(output, o.Upload(tokens), o.Upload(segments), o.Upload(tok), o.Upload(seg), o.Upload(pos), s.B, s.T, s.H);
        o.Check("output", expected, output);
    }

    private static void EmbeddingBackward(OpSession o, LayerShape s, bool trainPositions)
    {
        int V = 5, rows = s.T + 3;
        int[] tokens = o.Ints(s.N, V), segments = o.Ints(s.N, 2);
        double[] dTok = o.Floats(V * s.H), dSeg = o.Floats(2 * s.H), dPos = o.Floats(rows * s.H), up = o.Floats(s.N * s.H);
        FloatView dTokView = o.Upload(dTok), dSegView = o.Upload(dSeg), dPosView = o.Upload(dPos);
        ReferenceOps.EmbeddingBackward(dTok, dSeg, trainPositions ? dPos : null, up, tokens, segments, s.B, s.T, s.H);
        o.Backend.EmbeddingBackward(dTokView, dSegView, trainPositions ? dPosView : null, o.Upload(up), o.Upload(tokens), o.Upload(segments), s.B, s.T, s.H);
        o.Check("dTokenTable", dTok, dTokView);
        o.Check("dSegmentTable", dSeg, dSegView);
        o.Check("dPositionTable", dPos, dPosView);
    }

    private static void MatmulForward(OpSession o, int N, int I, int O, bool bias)
    {
        double[] x = o.Floats(N * I), w = o.Floats(O * I), b = o.Floats(O), expected = new double[N * O];
        ReferenceOps.MatmulForward(expected, x, w, bias ? b : null, N, I, O);
        var output = o.Poisoned(N * O);
        o.Backend.MatmulForward(output, o.Upload(x), o.Upload(w), bias ? o.Upload(b) : null, N, I, O);
        o.Check("output", expected, output);
    }

    private static void MatmulBackward(OpSession o, int N, int I, int O, Input input, bool bias)
    {
        double[] x = o.Floats(N * I), w = o.Floats(O * I), up = o.Floats(N * O);
        double[] dx = o.Floats(N * I), dw = o.Floats(O * I), db = o.Floats(O);
        FloatView dxView = input == Input.Accumulate ? o.Upload(dx) : o.Poisoned(N * I), dwView = o.Upload(dw), dbView = o.Upload(db);
        ReferenceOps.MatmulBackward(input == Input.None ? null : dx, input == Input.Accumulate, dw, bias ? db : null, up, x, w, N, I, O);
        o.Backend.MatmulBackward(input == Input.None ? null : dxView, input == Input.Accumulate, dwView, bias ? dbView : null,
            o.Upload(up), o.Upload(x), o.Upload(w), N, I, O);
        if (input != Input.None) o.Check("dinput", dx, dxView);
        else Assert.That(o.Download(dxView), Is.All.NaN, "dinput null must leave other memory alone");
        o.Check("dweight", dw, dwView);
        o.Check("dbias", db, dbView);
    }

    private static Dropout AttentionDropout(float p) => p == 0 ? Dropout.None : Dropout.For(p, 1234, 5, 6);

    private static void AttentionForward(OpSession o, LayerShape s, float p)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), expected = new double[s.N * s.H], probs = new double[s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(expected, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        FloatView output = o.Poisoned(expected.Length), probsView = o.Poisoned(probs.Length);
        o.Backend.AttentionForward(output, probsView, o.Upload(qkv), o.Upload(s.ValidLens), s.B, s.T, s.H, s.Heads, dropout);
        o.Check("output", expected, output);
        o.Check("probs", probs, probsView);
    }

    private static void AttentionBackward(OpSession o, LayerShape s, float p)
    {
        var dropout = AttentionDropout(p);
        double[] qkv = o.Floats(s.N * 3 * s.H, 2), output = new double[s.N * s.H], probs = new double[s.B * s.Heads * s.T * s.T];
        ReferenceOps.AttentionForward(output, probs, qkv, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        probs = [.. probs.Select(v => (double)(float)v)];
        double[] up = o.Floats(s.N * s.H), expected = new double[qkv.Length];
        ReferenceOps.AttentionBackward(expected, up, qkv, probs, s.ValidLens, s.B, s.T, s.H, s.Heads, dropout);
        var dqkv = o.Poisoned(qkv.Length);
        o.Backend.AttentionBackward(dqkv, o.Upload(up), o.Upload(qkv), o.Upload(probs), o.Upload(s.ValidLens), s.B, s.T, s.H, s.Heads, dropout);
        o.Check("dqkv", expected, dqkv);
    }

    private const float Epsilon = 1e-5f;

    private static void LayerNormForward(OpSession o, int N, int C, bool residual, float dropoutRate = 0f, float epsilon = Epsilon)
    {
        var dropout = Dropout.For(dropoutRate, seed: 5, step: 3, site: 1);
        double[] a = o.Floats(N * C, 3), b = o.Floats(N * C), gamma = o.Floats(C), beta = o.Floats(C);
        double[] expected = new double[N * C], mean = new double[N], rstd = new double[N], sum = new double[N * C];
        FloatView output = o.Poisoned(N * C), meanView = o.Poisoned(N), rstdView = o.Poisoned(N);
        if (residual)
        {
            ReferenceOps.ResidualLayerNormForward(expected, sum, mean, rstd, a, b, gamma, beta, N, C, epsilon, dropout);
            var sumView = o.Poisoned(N * C);
            var bView = o.Upload(b);
            o.Backend.ResidualLayerNormForward(output, sumView, meanView, rstdView, o.Upload(a), bView, o.Upload(gamma), o.Upload(beta), N, C, epsilon, dropout);
            o.Check("residual", sum, sumView);
            o.Check("b (unchanged)", b, bView);
        }
        else
        {
            ReferenceOps.LayerNormForward(expected, mean, rstd, a, gamma, beta, N, C, epsilon);
            o.Backend.LayerNormForward(output, meanView, rstdView, o.Upload(a), o.Upload(gamma), o.Upload(beta), N, C, epsilon);
        }
        o.Check("output", expected, output);
        o.Check("mean", mean, meanView);
        o.Check("rstd", rstd, rstdView);
    }

    private static void LayerNormBackward(OpSession o, int N, int C)
    {
        double[] x = o.Floats(N * C, 3), gamma = o.Floats(C), beta = o.Floats(C), up = o.Floats(N * C);
        double[] y = new double[N * C], mean = new double[N], rstd = new double[N];
        ReferenceOps.LayerNormForward(y, mean, rstd, x, gamma, beta, N, C, Epsilon);
        mean = [.. mean.Select(v => (double)(float)v)];
        rstd = [.. rstd.Select(v => (double)(float)v)];
        double[] dx = new double[N * C], dgamma = o.Floats(C), dbeta = o.Floats(C);
        FloatView dxView = o.Poisoned(N * C), dgView = o.Upload(dgamma), dbView = o.Upload(dbeta);
        ReferenceOps.LayerNormBackward(dx, dgamma, dbeta, up, x, gamma, mean, rstd, N, C);
        o.Backend.LayerNormBackward(dxView, dgView, dbView, o.Upload(up), o.Upload(x), o.Upload(gamma), o.Upload(mean), o.Upload(rstd), N, C);
        o.Check("dinput", dx, dxView);
        o.Check("dgamma", dgamma, dgView);
        o.Check("dbeta", dbeta, dbView);
    }
}
