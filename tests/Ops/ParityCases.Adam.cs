using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Training;
using BertNative.Tests.Model;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Adam, and the AdamW optimizer's calls: runs of tensors at offsets, the clipping norm.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Adam()
    {
        foreach (int t in new[] { 1, 3 })
            foreach (float decay in new[] { 0f, 0.01f })
                yield return new($"AdamStep t{t} decay {decay} n23", ShapeSet.Small, o => Adam(o, 23, decay, gradientScale: 1f, t));
        yield return new("AdamW optimizer with decay and clipping, 3 steps", ShapeSet.Small, AdamWOptimizerSteps);
        foreach (int n in new[] { 37, 200_003 })
            yield return new($"AdamStep n{n}", ShapeSet.Medium, o => Adam(o, n, weightDecay: 0f, gradientScale: 1f, t: 1));
        yield return new("AdamStep decoupled weight decay t3 n1001", ShapeSet.Medium, o => Adam(o, 1001, weightDecay: 0.01f, gradientScale: 1f, t: 3));
        yield return new("AdamStep gradient scale t2 n1001", ShapeSet.Medium, o => Adam(o, 1001, weightDecay: 0f, gradientScale: 0.3f, t: 2));
        foreach (var (t, decay, scale) in new[] { (1, 0f, 1f), (5, 0.01f, 1f), (3, 0.01f, 0.3f) })
            yield return new($"AdamStep t{t} decay {decay} gradient scale {scale} n100003", ShapeSet.Large, o => Adam(o, 100_003, decay, scale, t));
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

    /// <summary>The real <see cref="AdamWOptimizer"/> on a tiny model's buffers (a linear schedule, weight decay that skips
    /// biases and LayerNorm parameters, global-norm clipping that bites) against Adam in float64 tensor by tensor.</summary>
    private static void AdamWOptimizerSteps(OpSession o)
    {
        var config = TinyBert.SyntheticConfig(dropout: 0f);
        var settings = new OptimizerSettings(0.01f, ScheduleKind.Linear, Warmup: 1, WeightDecay: 0.1f, Clip: 0.5f);
        var model = new BertModel(o.Backend, config, 1, 8, TinyBert.Init(config));
        var optimizer = new AdamWOptimizer(model, settings);
        int n = (int)model.Layout.TotalCount;
        double[] p = o.Download(model.Parameters.All), m = o.Download(model.AdamM), v = o.Download(model.AdamV);
        const int steps = 3;
        for (int t = 1; t <= steps; t++)
        {
            double[] g = o.Floats(n);
            o.Backend.Upload(model.Gradients.All, [.. g.Select(x => (float)x)]);
            var (lr, norm) = optimizer.Step(t, steps);
            double expectedNorm = Math.Sqrt(g.Sum(x => x * x));
            Assert.That(norm, Is.EqualTo(expectedNorm).Within(1e-5 * expectedNorm), $"gradient norm at step {t}");
            Assert.That(lr, Is.EqualTo(settings.LearningRateAt(t, steps)), $"learning rate at step {t}");
            float scale = (float)(settings.Clip / expectedNorm);
            Assert.That(scale, Is.LessThan(1f), "the clip must bite");
            foreach (var slot in model.Layout.Slots)
            {
                var adam = new AdamSettings(lr, WeightDecay: AdamWOptimizer.IsDecayed(slot) ? settings.WeightDecay : 0f, GradientScale: scale);
                AdamOnSlice(p, g, m, v, (int)slot.Offset, (int)slot.Count, adam, t);
            }
        }
        o.Check("parameters", p, model.Parameters.All);
        o.Check("m", m, model.AdamM);
        o.Check("v", v, model.AdamV);
    }

    private static void AdamOnSlice(double[] p, double[] g, double[] m, double[] v, int offset, int count, AdamSettings adam, int t)
    {
        double[] ps = p[offset..(offset + count)], ms = m[offset..(offset + count)], vs = v[offset..(offset + count)];
        ReferenceOps.AdamStep(ps, g[offset..(offset + count)], ms, vs, count, adam, t);
        ps.CopyTo(p, offset);
        ms.CopyTo(m, offset);
        vs.CopyTo(v, offset);
    }
}
