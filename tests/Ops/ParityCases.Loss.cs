using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Cross-entropy, reductions and Adam.
public static partial class ParityCases
{
    private enum Gradient { None, Separate, InPlace }

    private static IEnumerable<ParityCase> LossAndOptimizer()
    {
        yield return new("SoftmaxCrossEntropy loss only N13 C37", o => CrossEntropy(o, 13, 37, Gradient.None, weighted: false));
        yield return new("SoftmaxCrossEntropy N13 C37", o => CrossEntropy(o, 13, 37, Gradient.Separate, weighted: false));
        yield return new("SoftmaxCrossEntropy weighted N13 C37", o => CrossEntropy(o, 13, 37, Gradient.Separate, weighted: true));
        yield return new("SoftmaxCrossEntropy weighted in place N7 C2", o => CrossEntropy(o, 7, 2, Gradient.InPlace, weighted: true));
        yield return new("SoftmaxCrossEntropy in place N6 C3001", o => CrossEntropy(o, 6, 3001, Gradient.InPlace, weighted: false));
        foreach (int n in new[] { 37, 200_003 })
        {
            yield return new($"WeightedSum n{n}", o => Reduction(o, n, weighted: true, squares: false));
            yield return new($"WeightedSum unweighted n{n}", o => Reduction(o, n, weighted: false, squares: false));
            yield return new($"SumOfSquares n{n}", o => Reduction(o, n, weighted: false, squares: true));
            yield return new($"AdamStep n{n}", o => Adam(o, n, weightDecay: 0f, gradientScale: 1f, t: 1));
        }
        yield return new("AdamStep decoupled weight decay t3 n1001", o => Adam(o, 1001, weightDecay: 0.01f, gradientScale: 1f, t: 3));
        yield return new("AdamStep gradient scale t2 n1001", o => Adam(o, 1001, weightDecay: 0f, gradientScale: 0.3f, t: 2));
    }

    private static void CrossEntropy(OpSession o, int N, int C, Gradient gradient, bool weighted)
    {
        const float gradScale = 0.37f;
        int[] labels = o.Ints(N, C);
        double[] logits = o.Floats(N * C, 5), weights = [.. o.Floats(N).Select(Math.Abs)];
        weights[0] = 0;
        double[] losses = new double[N], dlogits = new double[N * C];
        ReferenceOps.SoftmaxCrossEntropy(losses, gradient == Gradient.None ? null : dlogits, logits, labels, weighted ? weights : null, gradScale, N, C);
        FloatView logitsView = o.Upload(logits), lossView = o.Poisoned(N);
        FloatView? dlogitsView = gradient switch { Gradient.Separate => o.Poisoned(N * C), Gradient.InPlace => logitsView, _ => null };
        o.Backend.SoftmaxCrossEntropy(lossView, dlogitsView, logitsView, o.Upload(labels), weighted ? o.Upload(weights) : null, gradScale, N, C);
        o.Check("losses", losses, lossView);
        if (dlogitsView is { } d) o.Check("dlogits", dlogits, d);
    }

    private static void Reduction(OpSession o, int n, bool weighted, bool squares)
    {
        double[] values = o.Floats(n), weights = o.Floats(n), expected = new double[1];
        if (squares) ReferenceOps.SumOfSquares(expected, values, n);
        else ReferenceOps.WeightedSum(expected, values, weighted ? weights : null, n);
        var result = o.Poisoned(1);
        if (squares) o.Backend.SumOfSquares(result, o.Upload(values), n);
        else o.Backend.WeightedSum(result, o.Upload(values), weighted ? o.Upload(weights) : null, n);
        o.Check("result", expected, result, 1e-6);
    }

    private static void Adam(OpSession o, int n, float weightDecay, float gradientScale, int t)
    {
        var settings = new AdamSettings(0.01f, WeightDecay: weightDecay, GradientScale: gradientScale);
        double[] p = o.Floats(n), g = o.Floats(n), m = o.Floats(n, 0.1), v = [.. o.Floats(n, 0.01).Select(Math.Abs)];
        FloatView pv = o.Upload(p), gv = o.Upload(g), mv = o.Upload(m), vv = o.Upload(v);
        ReferenceOps.AdamStep(p, g, m, v, n, settings, t);
        o.Backend.AdamStep(pv, gv, mv, vv, n, settings, t);
        o.Check("parameters", p, pv);
        o.Check("m", m, mv);
        o.Check("v", v, vv);
    }
}
