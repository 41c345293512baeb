using BertNative.Ilgpu;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Training;
using BertNative.Tests.Model;

namespace BertNative.Tests.Ilgpu;

/// <summary>The optimizer's calls on ILGPU (AdamW over runs of tensors at offsets, the clipping norm) match the cpu's.</summary>
public sealed class OptimizerTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void AdamWWithDecayAndClippingMatchesTheCpu()
    {
        var config = TinyBert.SyntheticConfig(dropout: 0f);
        var init = TinyBert.Init(config);
        var settings = new OptimizerSettings(0.01f, ScheduleKind.Linear, Warmup: 1, WeightDecay: 0.1f, Clip: 0.5f);
        using var cpu = new CpuBackend(1);
        var expected = new BertModel(cpu, config, 4, 16, init);
        var actual = new BertModel(Backend, config, 4, 16, init);
        var gradient = new float[expected.Layout.TotalCount];
        var rng = new BertNative.Model.Data.SeededRandom(4);
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)(rng.NextDouble() - 0.5);
        float cpuNorm = 0, gpuNorm = 0;
        for (int step = 1; step <= 3; step++)
        {
            cpu.Upload(expected.Gradients.All, gradient);
            Backend.Upload(actual.Gradients.All, gradient);
            cpuNorm = new AdamWOptimizer(expected, settings).Step(step, 3).GradientNorm;
            gpuNorm = new AdamWOptimizer(actual, settings).Step(step, 3).GradientNorm;
        }
        Assert.Multiple(() =>
        {
            Assert.That(gpuNorm, Is.EqualTo(cpuNorm).Within(1e-4f));
            Assert.That(actual.DownloadParameters(), Is.EqualTo(expected.DownloadParameters()).Within(1e-6f));
        });
    }
}
