using BertNative.Ilgpu;
using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ilgpu;

public sealed class LossReductionAdamTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    public enum Gradient { None, Separate, Aliased }

    [Test]
    public void SoftmaxCrossEntropyMatchesReference([Values(1, 5, 40)] int C, [Values] bool weighted, [Values] Gradient gradient)
    {
        const int N = 3;
        const float gradScale = 0.25f;
        using var o = Session();
        double[] logits = o.Floats(N * C, 4), weights = o.Floats(N), losses = new double[N], dlogits = new double[N * C];
        int[] labels = o.Ints(N, C);
        ReferenceOps.SoftmaxCrossEntropy(losses, dlogits, logits, labels, weighted ? weights : null, gradScale, N, C);

        var lossView = o.Poisoned(N);
        var logitView = o.Upload(logits);
        FloatView? dlogitView = gradient switch { Gradient.None => null, Gradient.Separate => o.Poisoned(N * C), _ => logitView };
        Backend.SoftmaxCrossEntropy(lossView, dlogitView, logitView, o.Upload(labels), weighted ? o.Upload(weights) : null, gradScale, N, C);
        o.Check("losses", losses, lossView);
        if (dlogitView is { } d) o.Check("dlogits", dlogits, d);
    }

    [Test]
    public void SumsLandOnTheDevice([Values(1, 17, 5000)] int n, [Values] bool weighted)
    {
        using var o = Session();
        double[] values = o.Floats(n), weights = o.Floats(n), sum = new double[1], squares = new double[1];
        ReferenceOps.WeightedSum(sum, values, weighted ? weights : null, n);
        ReferenceOps.SumOfSquares(squares, values, n);
        var result = o.Poisoned(2);
        var valueView = o.Upload(values);
        Backend.WeightedSum(result.Slice(0, 1), valueView, weighted ? o.Upload(weights) : null, n);
        Backend.SumOfSquares(result.Slice(1, 1), valueView, n);
        o.Check("weighted sum", sum, result.Slice(0, 1));
        o.Check("sum of squares", squares, result.Slice(1, 1));
    }

    [Test]
    public void AdamStepMatchesReference([Values(1, 3)] int t, [Values(0f, 0.01f)] float weightDecay)
    {
        const int n = 23;
        using var o = Session();
        var settings = new AdamSettings(1e-2f, WeightDecay: weightDecay);
        double[] p = o.Floats(n), g = o.Floats(n), m = o.Floats(n, 0.1), v = [.. o.Floats(n, 0.01).Select(Math.Abs)];
        var pView = o.Upload(p);
        var mView = o.Upload(m);
        var vView = o.Upload(v);
        Backend.AdamStep(pView, o.Upload(g), mView, vView, n, settings, t);
        ReferenceOps.AdamStep(p, g, m, v, n, settings, t);
        o.Check("m", m, mView);
        o.Check("v", v, vView);
        o.Check("parameters", p, pView);
    }
}
