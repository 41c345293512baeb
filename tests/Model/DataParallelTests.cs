using BertNative.Comm;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Parallel;

namespace BertNative.Tests.Model;

/// <summary>
/// Data parallelism and accumulation against one device taking the whole batch: N cpu replicas (threads, the
/// in-process ring) and K micro-batches must give the whole batch's losses and every gradient tensor, with
/// dropout on (so the masks must be the global ones), in both loss modes.
/// </summary>
public class DataParallelTests
{
    private const double Tolerance = 1e-5; // relative, per tensor (norm of the difference over the norm)

    public static IEnumerable<TestCaseData> Splits()
    {
        foreach (var mode in new[] { LossMode.Intended, LossMode.BookPyTorch })
            foreach (var (replicas, accumulate, book) in new[] { (2, 1, false), (3, 1, false), (1, 2, false), (1, 3, false), (2, 2, false), (2, 1, true), (3, 1, true) })
                yield return new TestCaseData(replicas, accumulate, book, mode)
                    .SetName($"{replicas} replicas x {accumulate} micro-batches, {(book ? "book" : "tiny")} shapes, {mode}");
    }

    private static BertConfig Config(bool book) => book
        ? TinyBert.Config(Activation.Relu, dropout: 0.2f) with { Hidden = 128, FfnHidden = 256, Heads = 2, Layers = 2 }
        : TinyBert.Config(Activation.Gelu, dropout: 0.2f);

    private static Batch GlobalBatch(bool book) => TinyBert.FirstBatch(book ? 6 : 8);

    [TestCaseSource(nameof(Splits))]
    public void OneStepEqualsOneDeviceOnTheWholeBatch(int replicas, int accumulate, bool book, LossMode mode)
    {
        var config = Config(book);
        var init = TinyBert.Init(config);
        var batch = GlobalBatch(book);
        var (mlm, nsp, grads) = OneDevice(config, init, batch, mode);

        using var group = new CpuReplicas(replicas, config, init, batch, accumulate, mode);
        var (dpMlm, dpNsp) = group.Runner.Step(batch, t: 1, seed: 5, update: _ => { });

        Assert.Multiple(() =>
        {
            Assert.That(dpMlm, Is.EqualTo(mlm).Within(Tolerance * Math.Abs(mlm)), "MLM loss");
            Assert.That(dpNsp, Is.EqualTo(nsp).Within(Tolerance * Math.Abs(nsp)), "NSP loss");
            var first = group.Models[0].DownloadGradients();
            AssertTensorsClose(group.Models[0].Layout, first, grads, Tolerance, "gradient");
            for (int r = 1; r < replicas; r++)
                Assert.That(group.Models[r].DownloadGradients(), Is.EqualTo(first).AsCollection, $"replica {r}'s summed gradients differ from replica 0's");
        });
    }

    /// <summary>Hugging Face's architecture: the tied decoder adds to the token table's gradient in the heads' backward,
    /// long before the embeddings' bucket is reduced; the embedding dropout's mask must be the global one too.</summary>
    [TestCase(2, 1, true), TestCase(3, 1, false), TestCase(1, 3, true), TestCase(2, 2, true)]
    public void AHuggingFaceStepEqualsOneDeviceOnTheWholeBatch(int replicas, int accumulate, bool overlap)
    {
        var config = TinyBert.HuggingFaceConfig(dropout: 0.2f);
        var init = TinyBert.Init(config);
        var batch = GlobalBatch(book: false);
        var (mlm, nsp, grads) = OneDevice(config, init, batch, LossMode.Intended);

        using var group = new CpuReplicas(replicas, config, init, batch, accumulate, LossMode.Intended, overlap);
        var (dpMlm, dpNsp) = group.Runner.Step(batch, t: 1, seed: 5, update: _ => { });
        Assert.Multiple(() =>
        {
            Assert.That(float.IsFinite(mlm) && float.IsFinite(nsp), $"one device's losses {mlm}, {nsp}");
            Assert.That(dpMlm, Is.EqualTo(mlm).Within(Tolerance * Math.Abs(mlm)), "MLM loss");
            Assert.That(dpNsp, Is.EqualTo(nsp).Within(Tolerance * Math.Abs(nsp)), "NSP loss");
            AssertTensorsClose(group.Models[0].Layout, group.Models[0].DownloadGradients(), grads, Tolerance, "gradient");
            for (int r = 1; r < replicas; r++)
                Assert.That(group.Models[r].DownloadGradients(), Is.EqualTo(group.Models[0].DownloadGradients()).AsCollection, $"replica {r}");
        });
    }

    [TestCase(2, LossMode.Intended), TestCase(3, LossMode.BookPyTorch)]
    public void FiveAdamStepsStayWithTheOneDeviceRun(int replicas, LossMode mode)
    {
        var config = Config(book: false);
        var init = TinyBert.Init(config);
        var batches = BatchFile.Sample(TinyBert.Examples, 8, 5, samplerSeed: 9);
        var adam = new AdamSettings(1e-3f);

        using var cpu = new CpuBackend(1);
        var single = new BertModel(cpu, config, 8, TinyBert.MaxLen, init) { LossMode = mode };
        using var group = new CpuReplicas(replicas, config, init, batches[0], 1, mode);
        for (int t = 1; t <= 5; t++)
        {
            var (mlm, nsp) = TinyBert.TrainStep(single, batches[t - 1], adam, t, seed: 5);
            int step = t;
            var (dpMlm, dpNsp) = group.Runner.Step(batches[t - 1], t, seed: 5, update: m => m.AdamStep(adam, step));
            Assert.That(dpMlm, Is.EqualTo(mlm).Within(1e-4 * mlm), $"MLM loss at step {t}");
            Assert.That(dpNsp, Is.EqualTo(nsp).Within(1e-4 * nsp), $"NSP loss at step {t}");
        }
        var parameters = group.Models[0].DownloadParameters();
        // Adam turns W_k's noise-sized bias gradients into steps of about lr: at most 5 * lr per element apart.
        AssertTensorsClose(single.Layout, parameters, single.DownloadParameters(), 1e-4, "parameter", zeroGradientBound: 5 * 1e-3 * Math.Sqrt(config.Hidden));
        for (int r = 1; r < replicas; r++)
            Assert.That(group.Models[r].DownloadParameters(), Is.EqualTo(parameters).AsCollection, $"replica {r} drifted from replica 0");
    }

    [Test]
    public void OverlapOnAndOffGiveTheSameBits()
    {
        var config = Config(book: false);
        var init = TinyBert.Init(config);
        var batch = GlobalBatch(book: false);
        float[] Run(bool overlap)
        {
            using var group = new CpuReplicas(3, config, init, batch, 1, LossMode.Intended, overlap);
            group.Runner.Step(batch, t: 1, seed: 5, update: m => m.AdamStep(new AdamSettings(1e-3f), 1));
            return [.. group.Models[1].DownloadGradients(), .. group.Models[1].DownloadParameters()];
        }
        Assert.That(Run(overlap: true), Is.EqualTo(Run(overlap: false)).AsCollection);
    }

    [TestCase(3, 1), TestCase(2, 3)]
    public void PartsLeftEmptyByASmallLastBatchAddNothing(int replicas, int accumulate)
    {
        var config = Config(book: false);
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(2); // fewer pairs than replicas x micro-batches: some parts are empty
        var (mlm, nsp, grads) = OneDevice(config, init, batch, LossMode.Intended);
        using var group = new CpuReplicas(replicas, config, init, batch, accumulate, LossMode.Intended);
        var (dpMlm, dpNsp) = group.Runner.Step(batch, t: 1, seed: 5, update: _ => { });
        Assert.That(dpMlm, Is.EqualTo(mlm).Within(Tolerance * mlm));
        Assert.That(dpNsp, Is.EqualTo(nsp).Within(Tolerance * nsp));
        AssertTensorsClose(group.Models[^1].Layout, group.Models[^1].DownloadGradients(), grads, Tolerance, "gradient");
    }

    [Test]
    public void ReplicasStartFromRankZerosWeights()
    {
        var config = Config(book: false);
        var batch = GlobalBatch(book: false);
        using var group = new CpuReplicas(3, config, TinyBert.Init(config), batch, 1, LossMode.Intended,
            initFor: rank => TinyBert.Init(config, seed: (ulong)(3 + rank)));
        group.Runner.SynchronizeReplicas(runFingerprint: 42);
        var expected = TinyBert.Init(config, seed: 3);
        foreach (var model in group.Models) Assert.That(model.DownloadParameters(), Is.EqualTo(expected).AsCollection);
    }

    [Test]
    public void ADropoutMaskSkippedAheadIsThatPartOfTheWholeMask()
    {
        var whole = Dropout.For(0.2f, seed: 5, step: 3, site: 1);
        var part = whole.Skip(1_000_003);
        for (long i = 0; i < 4096; i++)
            Assert.That(DropoutRng.Keep(part, i), Is.EqualTo(DropoutRng.Keep(whole, 1_000_003 + i)), $"element {i}");
        Assert.That(Dropout.None.Skip(10), Is.EqualTo(Dropout.None));
    }

    internal static (float Mlm, float Nsp, float[] Gradients) OneDevice(BertConfig config, float[] init, Batch batch, LossMode mode)
    {
        using var cpu = new CpuBackend(1);
        return TinyBert.LossAndGradients(new BertModel(cpu, config, batch.Capacity, batch.MaxLen, init) { LossMode = mode }, batch);
    }

    /// <param name="zeroGradientBound">The bound for W_k's bias, whose gradient is zero in exact arithmetic (softmax ignores a
    /// shift of the scores) and float noise otherwise: no relative tolerance applies to it.</param>
    internal static void AssertTensorsClose(ParameterLayout layout, float[] actual, float[] expected, double tolerance, string what,
        double zeroGradientBound = 1e-8)
    {
        foreach (var slot in layout.Slots)
        {
            double diff = 0, norm = 0;
            for (long i = slot.Offset; i < slot.Offset + slot.Count; i++)
            {
                Assert.That(float.IsFinite(actual[i]), $"{what} {slot.Name}[{i - slot.Offset}] is {actual[i]}");
                diff += Math.Pow(actual[i] - expected[i], 2);
                norm += Math.Pow(expected[i], 2);
            }
            double bound = slot.Name.EndsWith("attention.W_k.bias", StringComparison.Ordinal) ? zeroGradientBound : tolerance * Math.Sqrt(norm) + 1e-12;
            Assert.That(Math.Sqrt(diff), Is.LessThanOrEqualTo(bound), $"{what} {slot.Name}");
        }
    }
}

/// <summary>N cpu replicas (one thread each) joined by the in-process ring, with their step runner.</summary>
internal sealed class CpuReplicas : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public CpuReplicas(int count, BertConfig config, float[] init, Batch globalBatch, int accumulate, LossMode mode, bool overlap = true,
        Func<int, float[]>? initFor = null)
    {
        var ring = new InProcessRing(count, TimeSpan.FromSeconds(30));
        int capacity = StepRunner.ReplicaCapacity(globalBatch.Size, count, accumulate);
        var replicas = new List<Replica>();
        for (int rank = 0; rank < count; rank++)
        {
            var cpu = new CpuBackend(1);
            _owned.Add(cpu);
            var model = new BertModel(cpu, config, capacity, globalBatch.MaxLen, initFor?.Invoke(rank) ?? init) { LossMode = mode };
            ICommunicator? comm = count == 1 ? null : new RingCommunicator(ring.Transport(rank), cpu);
            if (comm is not null) _owned.Add(comm);
            replicas.Add(new Replica(model, comm));
        }
        Runner = new StepRunner(replicas, accumulate, overlap);
        Models = replicas.Select(r => r.Model).ToArray();
    }

    public StepRunner Runner { get; }
    public BertModel[] Models { get; }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
