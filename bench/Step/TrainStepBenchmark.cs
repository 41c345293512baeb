using BenchmarkDotNet.Attributes;
using BertNative.Bench.Backends;
using BertNative.Bench.Columns;
using BertNative.Contract;

namespace BertNative.Bench.Step;

/// <summary>
/// One whole training step of the book's model on a real WikiText-2 batch of 512 pairs of 64 tokens, the intended
/// loss, on every available backend, through the trainer's own path (<see cref="BookStep"/>: StepRunner and the
/// AdamW optimizer). The step returns after the update is done on the device.
/// </summary>
[PairsPerSecondColumn]
public class TrainStepBenchmark
{
    public const int BatchSize = BookStep.BatchSize, MaxLen = BookStep.MaxLen;
    const ulong Seed = 20_256;

    IBackend _backend = null!;
    BookStep _step = null!;
    int _t;

    public static IEnumerable<string> Backends() => BenchBackends.Available();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    [GlobalSetup]
    public void Setup()
    {
        var examples = BookStep.BookExamples(Seed);
        _backend = BenchBackends.Create(Backend);
        _step = new BookStep(_backend, examples, Seed);
        Console.WriteLine($"// {Backend}: {_backend.DeviceDescription}; {examples.Count:N0} examples, vocabulary {_step.Config.VocabSize:N0}, " +
                          $"{_step.Batch.MlmWeightSum:N0} MLM rows in the batch");
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    [Benchmark]
    public (float Mlm, float Nsp) TrainStep() => _step.Run(++_t);
}
