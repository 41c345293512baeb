using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// LayerNorm, the residual LayerNorm with dropout on the branch, and their backward.
public static partial class ParityCases
{
    private enum Norm { Plain, Residual }

    private const float Epsilon = 1e-5f;

    private static IEnumerable<ParityCase> LayerNorm()
    {
        // C = 1 (the output is beta), C below, at and above the 16-thread group of ILGPU's CPU accelerator.
        foreach (var (N, C) in new[] { (1, 1), (3, 7), (2, 16), (4, 37) })
            foreach (var c in LayerNormCases($"N{N} C{C}", ShapeSet.Small, 0, N, C, 0.2f)) yield return c;
        foreach (var s in LayerShape.Medium)
            foreach (var c in LayerNormCases(s.ToString(), ShapeSet.Medium, 0, s.N, s.H, 0.2f)) yield return c;
        yield return new("LayerNormBackward N700 C128", ShapeSet.Medium, o => LayerNormBackward(o, 700, 128));
        // Hugging Face's epsilon (the embedding LayerNorm and every other one of its models).
        yield return new("LayerNormForward eps 1e-12 N4 C37", ShapeSet.Small, o => LayerNormForward(o, 4, 37, Norm.Plain, epsilon: 1e-12f));
        yield return new("ResidualLayerNormForward eps 1e-12 N4 C37", ShapeSet.Small, o => LayerNormForward(o, 4, 37, Norm.Residual, epsilon: 1e-12f));
        yield return new("LayerNormForward eps 1e-12 N37 C48", ShapeSet.Medium, o => LayerNormForward(o, 37, 48, Norm.Plain, epsilon: 1e-12f));
        foreach (var c in LayerNormCases("N5 C33", ShapeSet.Small, 0, 5, 33, 0.5f)) yield return c;
        foreach (var c in LayerNormCases("offset 1 N37 C768", ShapeSet.Medium, 1, 37, 768, 0f)) yield return c;
        foreach (var c in LayerNormCases("N32768 C128", ShapeSet.Large, 0, 512 * 64, 128, 0.1f)) yield return c;
    }

    /// <summary>Plain forward, residual forward without and (when <paramref name="p"/> &gt; 0) with dropout, backward.</summary>
    private static IEnumerable<ParityCase> LayerNormCases(string shape, ShapeSet shapes, int offset, int N, int C, float p)
    {
        yield return new($"LayerNormForward {shape}", shapes, At(offset, o => LayerNormForward(o, N, C, Norm.Plain)));
        yield return new($"ResidualLayerNormForward {shape}", shapes, At(offset, o => LayerNormForward(o, N, C, Norm.Residual)));
        if (p > 0) yield return new($"ResidualLayerNormForward p{p} {shape}", shapes, At(offset, o => LayerNormForward(o, N, C, Norm.Residual, p)));
        yield return new($"LayerNormBackward {shape}", shapes, At(offset, o => LayerNormBackward(o, N, C)));
    }

    private static void LayerNormForward(OpSession o, int N, int C, Norm norm, float dropoutRate = 0f, float epsilon = Epsilon)
    {
        var dropout = Dropout.For(dropoutRate, seed: 5, step: 3, site: 1);
        double[] a = o.Floats(N * C, 3), b = o.Floats(N * C), gamma = o.Floats(C), beta = o.Floats(C);
        double[] expected = new double[N * C], mean = new double[N], rstd = new double[N], sum = new double[N * C];
        FloatView output = o.Poisoned(N * C), meanView = o.Poisoned(N), rstdView = o.Poisoned(N);
        if (norm == Norm.Residual)
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
        // The backend gets the statistics as float32, as its forward would have stored them.
        mean = [.. mean.Select(v => (double)(float)v)];
        rstd = [.. rstd.Select(v => (double)(float)v)];
        double[] dx = new double[N * C], dgamma = o.Floats(C), dbeta = o.Floats(C);
        FloatView dxView = o.Poisoned(N * C), dgView = o.Upload(dgamma), dbView = o.Upload(dbeta);
        ReferenceOps.LayerNormBackward(dx, dgamma, dbeta, up, x, gamma, mean, rstd, N, C);
        o.Backend.LayerNormBackward(dxView, dgView, dbView, o.Upload(up), o.Upload(x), o.Upload(gamma), o.Upload(mean), o.Upload(rstd), N, C);
        // With C = 1 every x equals its mean: dinput and the added dgamma are 0 exactly, and a backend's float noise in
        // x - mean, times rstd = 1/sqrt(eps), is measured against a tenth of the terms they are made of instead.
        double dinputTerms = Math.Sqrt(Enumerable.Range(0, N * C).Sum(i => Math.Pow(rstd[i / C] * gamma[i % C] * up[i], 2)));
        o.Check("dinput", dx, dxView, normFloor: 0.1 * dinputTerms);
        o.Check("dgamma", dgamma, dgView, normFloor: 0.1 * Math.Sqrt(up.Sum(v => v * v)));
        o.Check("dbeta", dbeta, dbView);
    }
}
