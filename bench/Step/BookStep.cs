using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Parallel;
using BertNative.Model.Training;

namespace BertNative.Bench.Step;

/// <summary>
/// The book's model on one backend, stepped the way pretrain steps it: a one-replica <see cref="StepRunner"/>
/// (forward, backward, the losses read back) and the <see cref="AdamWOptimizer"/> as the update (lr 0.01, constant).
/// </summary>
public sealed class BookStep
{
    public const int BatchSize = 512, MaxLen = 64;

    private readonly StepRunner _runner;
    private readonly AdamWOptimizer _optimizer;

    public BookStep(IBackend backend, PretrainingExamples examples, ulong seed)
    {
        Batch = new Batch(BatchSize, MaxLen, examples.PredictionSlots);
        Batch.Fill(examples, new BatchSampler(examples.Count, BatchSize, new SeededRandom(seed)).Next());
        Config = BertConfig.Book(examples.Vocabulary.Count);
        var initial = Initialization.Initialize(ParameterLayout.Of(Config), new SeededRandom(seed));
        var model = new BertModel(backend, Config, BatchSize, MaxLen, initial);
        _runner = new StepRunner([new Replica(model, null)]);
        _optimizer = new AdamWOptimizer(model, OptimizerSettings.Constant(0.01f));
        Seed = seed;
    }

    public Batch Batch { get; }
    public BertConfig Config { get; }
    public ulong Seed { get; }

    /// <summary>Training step <paramref name="t"/> on the one batch; returns when the update is done on the device.</summary>
    public (float Mlm, float Nsp) Run(int t) => _runner.Step(Batch, t, Seed, _ => _optimizer.Step(t, int.MaxValue));

    /// <summary>WikiText-2's training examples at the book's length (see <see cref="BenchData"/>).</summary>
    public static PretrainingExamples BookExamples(ulong seed) => WikiTextDataset.Load(BenchData.Folder(), MaxLen, seed).Examples;
}
