using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Profiling;
using BertNative.Model.Training;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>Where a book training step spends its time on the cpu backend, op by op (the mean of five steps after a
/// warm-up, so a noisy neighbour on a shared machine blurs it less). A print, not a check.</summary>
public class StepProfile
{
    [Test, Explicit("profile print, not a check"), Category("Benchmark")]
    public void PrintBookStepProfile([Values(CpuGemm.Managed, CpuGemm.OpenBlas)] CpuGemm gemm)
    {
        var dataset = WikiTextDataset.Load(TestData.WikiTextDir, 64, seed: 1);
        var config = BertConfig.Book(dataset.Corpus.Vocabulary.Count);
        var batch = BertNative.Model.Checkpoints.BatchFile.Sample(dataset.Examples, 512, 1, samplerSeed: 1)[0];
        using var timed = new TimedBackend(new CpuBackend(gemm: gemm));
        var model = new BertModel(timed, config, 512, 64, Initialization.Initialize(new ParameterLayout(config), new SeededRandom(1)));
        model.TrainStep(batch, new AdamSettings(0.01f), 1, seed: 1); // warm-up: JIT, first touch
        timed.Reset();
        const int steps = 5;
        for (int t = 2; t < 2 + steps; t++) model.TrainStep(batch, new AdamSettings(0.01f), t, seed: 1);
        TestContext.Out.WriteLine($"{timed.DeviceDescription}: op, ms per step, calls per step");
        foreach (var (op, ms, calls) in timed.Times) TestContext.Out.WriteLine($"  {op,-28} {ms / steps,8:F1} {calls / steps,5}");
        double total = timed.Times.Sum(t => t.Milliseconds) / steps;
        TestContext.Out.WriteLine($"  step {total:F0} ms ({512 / total * 1000:F0} pairs/s)");
    }
}
