using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Training;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>
/// The book's run (50 steps of 512 WikiText-2 pairs, book config) on each GPU backend lands in the loss
/// bands the cpu backend lands in (bench/book-loss-bands.tsv, which bench/gpu/run-gpu.sh reads too).
/// </summary>
[Category("GPU")]
public class GpuBookRunTests
{
    [TestCase("cuda", LossMode.Intended)]
    [TestCase("cuda", LossMode.BookPyTorch)]
    [TestCase("ilgpu", LossMode.Intended)]
    public void FiftyBookStepsLandInTheBands(string backendName, LossMode mode)
    {
        if (backendName == "cuda" && BertNative.Interop.Cuda.CudaProbe.IsSimulation)
            Assert.Inconclusive("50 steps of 512 pairs are for a real GPU: hours on the CPU simulation (CudaCliTests runs 3 book steps there)");
        var (mlmLow, mlmHigh, nspLow, nspHigh) = BookLossBands.For(mode);
        using var backend = TestGpuBackends.Create(backendName);
        const ulong seed = 1;
        var dataset = WikiTextDataset.Load(TestData.WikiTextDir, 64, seed ^ SeedStreams.Data);
        var config = BertConfig.Book(dataset.Corpus.Vocabulary.Count);
        var init = Initialization.Initialize(ParameterLayout.Of(config), new SeededRandom(seed ^ SeedStreams.Init));
        var model = new BertModel(backend, config, 512, 64, init) { LossMode = mode };
        var result = Pretrainer.Run(model, dataset.Examples, new PretrainSettings(50, 512, OptimizerSettings.Constant(0.01f), seed, mode));
        TestContext.Out.WriteLine($"{backendName} {mode}: MLM {result.MeanMlm:F3}, NSP {result.MeanNsp:F3}, {result.SteadyPairsPerSecond:F0} pairs/s");
        Assert.Multiple(() =>
        {
            Assert.That(result.MeanMlm, Is.InRange(mlmLow, mlmHigh), "mean MLM loss");
            Assert.That(result.MeanNsp, Is.InRange(nspLow, nspHigh), "mean NSP loss");
        });
    }
}
