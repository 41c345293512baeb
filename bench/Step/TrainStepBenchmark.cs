using BenchmarkDotNet.Attributes;
using BertNative.Bench.Backends;
using BertNative.Bench.Columns;
using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Data;

namespace BertNative.Bench.Step;

/// <summary>
/// One whole training step of the book's model (forward, backward, Adam) on a real WikiText-2 batch of 512
/// pairs of 64 tokens, the intended loss, on every available backend. Reading the losses is the sync.
/// </summary>
[PairsPerSecondColumn]
public class TrainStepBenchmark
{
    public const int BatchSize = 512, MaxLen = 64;
    const ulong Seed = 20_256;

    IBackend backend = null!;
    BertModel model = null!;
    Batch batch = null!;
    readonly AdamSettings adam = new(LearningRate: 0.01f);
    int step;

    public static IEnumerable<string> Backends() => BenchBackends.Available();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        var dataset = WikiTextDataset.Load(BenchData.Folder(), MaxLen, Seed);
        var examples = dataset.Examples;
        batch = new Batch(BatchSize, MaxLen, examples.PredictionSlots);
        batch.Fill(examples, new BatchSampler(examples.Count, BatchSize, new SeededRandom(Seed)).Next());

        var config = BertConfig.Book(examples.Vocabulary.Count);
        var initial = Initialization.Initialize(new ParameterLayout(config), new SeededRandom(Seed));
        backend = BenchBackends.Create(Backend);
        model = new BertModel(backend, config, BatchSize, MaxLen, initial);
        Console.WriteLine($"// {Backend}: {backend.DeviceDescription}; {examples.Count:N0} examples, vocabulary {config.VocabSize:N0}, " +
                          $"{batch.MlmWeightSum:N0} MLM rows in the batch");
    }

    [GlobalCleanup]
    public void Cleanup() => backend.Dispose();

    [Benchmark]
    public (float Mlm, float Nsp) TrainStep()
    {
        model.TrainStep(batch, adam, ++step, Seed);
        return model.ReadLosses();
    }
}
