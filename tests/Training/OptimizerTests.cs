using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Training;
using BertNative.Tests.Model;

namespace BertNative.Tests.Training;

public class OptimizerTests
{
    [TestCase(ScheduleKind.Linear, 2, new[] { 0.5f, 1f, 1f, 0.75f, 0.5f, 0.25f })]
    [TestCase(ScheduleKind.Constant, 2, new[] { 0.5f, 1f, 1f, 1f, 1f, 1f })]
    [TestCase(ScheduleKind.Constant, 0, new[] { 1f, 1f, 1f, 1f, 1f, 1f })]
    [TestCase(ScheduleKind.Linear, 0, new[] { 1f, 5f / 6, 4f / 6, 3f / 6, 2f / 6, 1f / 6 })]
    public void ScheduleGivesTheLearningRateOfEachStep(ScheduleKind kind, int warmup, float[] expected)
    {
        var settings = new OptimizerSettings(2f, kind, warmup);
        var rates = Enumerable.Range(1, 6).Select(step => settings.LearningRateAt(step, totalSteps: 6)).ToArray();
        Assert.That(rates, Is.EqualTo(expected.Select(r => 2f * r)).Within(1e-6f));
    }

    [Test]
    public void WeightDecayShrinksWeightsButNotBiasesOrLayerNorm()
    {
        var config = TinyBert.SyntheticConfig(dropout: 0f);
        using var cpu = new CpuBackend(1);
        var init = TinyBert.Init(config);
        var model = new BertModel(cpu, config, 4, 16, init);
        const float lr = 0.01f, decay = 0.1f;
        // Zero gradients: Adam's own update is 0, so only the decay moves a parameter.
        new AdamWOptimizer(model, new OptimizerSettings(lr, WeightDecay: decay)).Step(1, 10);
        var after = model.DownloadParameters();
        var groups = model.Layout.Slots.GroupBy(AdamWOptimizer.IsDecayed).ToDictionary(g => g.Key, g => g.Select(s => s.Name).ToList());
        Assert.Multiple(() =>
        {
            Assert.That(groups[false], Does.Contain("encoder.blks.0.attention.W_q.bias").And.Contain("encoder.blks.0.addnorm1.ln.weight")
                .And.Contain("mlm.mlp.2.weight").And.Contain("mlm.mlp.2.bias").And.Contain("nsp.output.bias"));
            Assert.That(groups[true], Does.Contain("encoder.blks.0.attention.W_q.weight").And.Contain("encoder.token_embedding.weight").And.Contain("mlm.mlp.3.weight"));
            foreach (var slot in model.Layout.Slots)
            {
                var before = init.AsSpan((int)slot.Offset, (int)slot.Count).ToArray();
                var now = after.AsSpan((int)slot.Offset, (int)slot.Count).ToArray();
                if (AdamWOptimizer.IsDecayed(slot)) Assert.That(now, Is.EqualTo(before.Select(p => p * (1 - lr * decay))).Within(1e-6f), slot.Name);
                else Assert.That(now, Is.EqualTo(before), slot.Name);
            }
        });
    }

    [TestCase(2f, 0.2f)]    // norm 10 clipped to 2: the gradient Adam sees is scaled by 0.2
    [TestCase(20f, 1f)]     // under the clip: unchanged
    [TestCase(0f, 1f)]      // clipping off
    public void ClippingScalesTheGradientToTheSetNorm(float clip, float expectedScale)
    {
        var config = TinyBert.SyntheticConfig(dropout: 0f);
        using var cpu = new CpuBackend(1);
        var model = new BertModel(cpu, config, 4, 16, TinyBert.Init(config));
        long n = model.Layout.TotalCount;
        var gradient = new float[n];
        var rng = new BertNative.Model.Data.SeededRandom(1);
        for (long i = 0; i < n; i++) gradient[i] = (float)(rng.NextDouble() - 0.5);
        float scaleTo10 = 10f / MathF.Sqrt(gradient.Sum(g => g * g));
        for (long i = 0; i < n; i++) gradient[i] *= scaleTo10;
        cpu.Upload(model.Gradients.All, gradient);

        var (_, norm) = new AdamWOptimizer(model, new OptimizerSettings(0.01f, Clip: clip)).Step(1, 10);
        var m = new float[n];
        cpu.Download(model.AdamM, m);
        // After one step m = (1 - beta1) * the gradient Adam used.
        Assert.Multiple(() =>
        {
            if (clip > 0) Assert.That(norm, Is.EqualTo(10f).Within(1e-3f), "the norm before clipping");
            else Assert.That(norm, Is.NaN, "not measured when clipping is off");
            Assert.That(m, Is.EqualTo(gradient.Select(g => 0.1f * expectedScale * g)).Within(1e-6f));
        });
    }
}
