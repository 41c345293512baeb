using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>
/// One whole training step (forward, backward, Adam; dropout on, same seed, so the same masks) on each
/// backend against the cpu reference: both losses, every gradient tensor, and the parameters after Adam.
/// </summary>
public class WholeStepParityTests
{
    private const double GradientTolerance = 1e-4; // relative norm error per tensor
    private const float LearningRate = 1e-3f;

    public static IEnumerable<TestCaseData> Backends()
    {
        // ILGPU's CPU accelerator simulates a GPU thread by thread: it gets the tiny synthetic shapes.
        yield return new TestCaseData("ilgpu-cpu", true).SetName("WholeStep(ilgpu on its CPU accelerator, tiny shapes)");
        yield return new TestCaseData("ilgpu-cpu-tiled", true).SetName("WholeStep(ilgpu on its CPU accelerator with the GPU's tiled GEMM, tiny shapes)");
        yield return new TestCaseData("cuda", false).SetName("WholeStep(cuda)").SetCategory("GPU");
        yield return new TestCaseData("ilgpu", false).SetName("WholeStep(ilgpu on a GPU)").SetCategory("GPU");
    }

    [TestCaseSource(nameof(Backends))]
    public void OneTrainingStepMatchesTheCpuBackend(string backendName, bool tiny) =>
        AssertOneStepMatches(backendName, tiny, tiny ? TinyBert.SyntheticConfig(dropout: 0.2f) : TinyBert.Config(Activation.Gelu, dropout: 0.2f));

    public static IEnumerable<TestCaseData> HuggingFaceBackends()
    {
        yield return new TestCaseData("ilgpu-cpu", true).SetName("HuggingFaceStep(ilgpu on its CPU accelerator, tiny shapes)");
        yield return new TestCaseData("ilgpu-cpu-tiled", true).SetName("HuggingFaceStep(ilgpu on its CPU accelerator with the GPU's tiled GEMM, tiny shapes)");
        yield return new TestCaseData("cuda", false).SetName("HuggingFaceStep(cuda)").SetCategory("GPU");
        yield return new TestCaseData("ilgpu", false).SetName("HuggingFaceStep(ilgpu on a GPU)").SetCategory("GPU");
    }

    /// <summary>Hugging Face's architecture (embedding LayerNorm and its dropout, GELU MLM transform, tied decoder, eps 1e-12).</summary>
    [TestCaseSource(nameof(HuggingFaceBackends))]
    public void OneHuggingFaceStepMatchesTheCpuBackend(string backendName, bool tiny) =>
        AssertOneStepMatches(backendName, tiny, tiny ? TinyBert.SyntheticHuggingFaceConfig(dropout: 0.2f) : TinyBert.HuggingFaceConfig(dropout: 0.2f));

    private static void AssertOneStepMatches(string backendName, bool tiny, BertConfig config)
    {
        using var backend = TestGpuBackends.Create(backendName);
        var init = TinyBert.Init(config);
        var batch = tiny ? BatchFile.Sample(TinyBert.Synthetic, 3, 1, samplerSeed: 5)[0] : TinyBert.FirstBatch(4);
        var adam = new AdamSettings(LearningRate);

        using var cpu = new CpuBackend();
        var reference = new BertModel(cpu, config, batch.Capacity, batch.MaxLen, init);
        var candidate = new BertModel(backend, config, batch.Capacity, batch.MaxLen, init);
        var (refMlm, refNsp) = TinyBert.TrainStep(reference, batch, adam, t: 1, seed: 11);
        var (mlm, nsp) = TinyBert.TrainStep(candidate, batch, adam, t: 1, seed: 11);
        float[] refGrads = reference.DownloadGradients(), grads = candidate.DownloadGradients();
        float[] refParams = reference.DownloadParameters(), parameters = candidate.DownloadParameters();
        Assert.Multiple(() =>
        {
            Assert.That(float.IsFinite(refMlm) && float.IsFinite(refNsp), $"cpu losses {refMlm}, {refNsp}"); // NUnit takes NaN as equal to NaN
            Assert.That(mlm, Is.EqualTo(refMlm).Within(1e-3).Percent, "MLM loss");
            Assert.That(nsp, Is.EqualTo(refNsp).Within(1e-3).Percent, "NSP loss");
            foreach (var slot in reference.Layout.Slots)
            {
                var expected = refGrads.AsSpan((int)slot.Offset, (int)slot.Count);
                var actual = grads.AsSpan((int)slot.Offset, (int)slot.Count);
                double norm = Norm(expected), error = Distance(actual, expected);
                if (slot.Name.EndsWith("attention.W_k.bias", StringComparison.Ordinal)) // zero in exact arithmetic
                    Assert.That(error, Is.LessThan(1e-5), slot.Name);
                else
                    Assert.That(error, Is.LessThanOrEqualTo(GradientTolerance * norm), slot.Name);
            }
            // Adam's first step moves each weight by about lr * sign(g): a tiny gradient may flip sign, never more.
            double worst = refParams.Zip(parameters, (a, b) => float.IsFinite(b) ? Math.Abs(a - b) : double.PositiveInfinity).Max();
            Assert.That(worst, Is.LessThanOrEqualTo(2.01 * LearningRate), "parameters after Adam");
        });
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (float x in v) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    private static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Pow((double)a[i] - b[i], 2);
        return double.IsNaN(sum) ? double.PositiveInfinity : Math.Sqrt(sum);
    }
}
