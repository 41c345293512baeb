using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Training;

namespace BertNative.Tests.Model;

public class WholeModelTests
{
    [Test]
    public void BookConfigHasTheSpecsParameterCount() =>
        Assert.That(ParameterLayout.Of(BertConfig.Book(20_256)).TotalCount, Is.EqualTo(5_632_546));

    [Test]
    public void AModelThatOnlyRunsForwardHoldsNoTrainingState()
    {
        var config = TinyBert.Config();
        var batch = TinyBert.FirstBatch(4);
        using var cpu = new CpuBackend();
        var model = new BertModel(cpu, config, batch.Capacity, batch.MaxLen, TinyBert.Init(config));
        model.LoadBatch(batch);
        model.ForwardEncoder(training: false);
        model.ForwardHeads(withGradients: false);
        Assert.That(model.HoldsTrainingState, Is.False, "encode, embed and evaluate need no gradients or Adam moments");

        var (_, _, gradients) = TinyBert.LossAndGradients(model, batch);
        Assert.Multiple(() =>
        {
            Assert.That(model.HoldsTrainingState, Is.True);
            Assert.That(gradients.All(float.IsFinite) && gradients.Any(g => g != 0), Is.True, "gradients allocated on first use start from zero");
        });
        long parameterBytes = sizeof(float) * ParameterLayout.Of(config).TotalCount;
        Assert.That(MemoryEstimate.For(config, 4, batch.MaxLen).ParameterStateBytes - MemoryEstimate.For(config, 4, batch.MaxLen, training: false).ParameterStateBytes,
            Is.EqualTo(3 * parameterBytes), "the estimate for inference leaves out gradients and both moments");
    }

    [TestCase(LossMode.Intended)]
    [TestCase(LossMode.BookPyTorch)]
    public void DirectionalDerivativeOfTheLossMatchesTheGradient(LossMode mode)
    {
        var config = TinyBert.Config(Activation.Gelu);
        var theta = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(4);
        using var cpu = new CpuBackend();
        var (_, _, grads) = TinyBert.LossAndGradients(cpu, config, theta, batch, mode);

        // Along the normalised gradient the derivative is |g|: a signal well above float32 noise. Each op's
        // gradient is checked component-wise by the reference tests and the PyTorch parity test.
        double norm = Math.Sqrt(grads.Sum(g => (double)g * g));
        var direction = grads.Select(g => (float)(g / norm)).ToArray();
        double analytic = grads.Zip(direction, (g, d) => (double)g * d).Sum();

        const float h = 1e-3f;
        double Loss(float sign)
        {
            var shifted = theta.Select((v, i) => v + sign * h * direction[i]).ToArray();
            var (mlm, nsp, _) = TinyBert.LossAndGradients(cpu, config, shifted, batch, mode);
            return (double)mlm + nsp;
        }
        double numeric = (Loss(+1) - Loss(-1)) / (2 * h);
        Assert.That(analytic, Is.Not.EqualTo(0));
        Assert.That(numeric, Is.EqualTo(analytic).Within(1e-2 * Math.Abs(analytic)));
    }

    [Test]
    public void BookPyTorchModeFreezesThePositionalTable()
    {
        var config = TinyBert.Config();
        var (_, _, grads) = TinyBert.LossAndGradients(new CpuBackend(), config, TinyBert.Init(config), TinyBert.FirstBatch(4), LossMode.BookPyTorch);
        var slot = ParameterLayout.Of(config)["encoder.pos_embedding"];
        Assert.That(grads.AsSpan((int)slot.Offset, (int)slot.Count).ToArray(), Has.All.EqualTo(0f));
    }

    [Test]
    public void TrainingLowersTheLossAndIsReproducible()
    {
        var config = TinyBert.Config(dropout: 0.1f);
        PretrainResult Train()
        {
            using var cpu = new CpuBackend();
            var model = new BertModel(cpu, config, 16, TinyBert.MaxLen, TinyBert.Init(config));
            return Pretrainer.Run(model, TinyBert.Examples, new PretrainSettings(40, 16, OptimizerSettings.Constant(0.01f), Seed: 4, LossMode.Intended));
        }
        var first = Train();
        var second = Train();
        double early = first.Steps.Take(5).Average(s => s.Mlm), late = first.Steps.TakeLast(5).Average(s => s.Mlm);
        Assert.Multiple(() =>
        {
            Assert.That(first.Steps.Select(s => s.Mlm), Has.All.Matches<float>(float.IsFinite));
            Assert.That(late, Is.LessThan(early - 1.0), $"MLM loss {early:F3} -> {late:F3}");
            Assert.That(second.Steps.Select(s => s.Mlm), Is.EqualTo(first.Steps.Select(s => s.Mlm)), "same seed, same losses");
        });
    }

    [Test]
    public void AStopRequestEndsTrainingBetweenSteps()
    {
        var config = TinyBert.Config();
        using var cpu = new CpuBackend();
        var model = new BertModel(cpu, config, 8, TinyBert.MaxLen, TinyBert.Init(config));
        using var stop = new CancellationTokenSource();
        var result = Pretrainer.Run(model, TinyBert.Examples, new PretrainSettings(10, 8, OptimizerSettings.Constant(0.01f), 1, LossMode.Intended),
            step => { if (step.Step == 3) stop.Cancel(); }, stop.Token);
        Assert.That(result.Steps.Select(s => s.Step), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void ImpossibleConfigsAreRejectedWithOneLine()
    {
        var heads = Assert.Throws<BertNativeException>(() => (BertConfig.Book(100) with { Heads = 3 }).Validate(64));
        var positions = Assert.Throws<BertNativeException>(() => BertConfig.Base(100).Validate(1024));
        Assert.Multiple(() =>
        {
            Assert.That(heads!.Message, Does.Contain("not divisible"));
            Assert.That(positions!.Message, Does.Contain("positional table"));
        });
    }
}
