using System.Diagnostics;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Profiling;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>
/// What a book training step asks of a GPU, measured on the cpu side: op calls per step (one P/Invoke each on cuda),
/// the cuda kernel launches they make (from <see cref="CudaLaunchesPerCall"/>), and the host's own time per step,
/// outside the ops (the wall time of the step minus the time spent inside op calls). On a GPU the ops run
/// asynchronously, so that host time plus the launch costs bound the step from below. A print, not a check.
/// </summary>
public class LaunchProfile
{
    /// <summary>Most kernel launches (and memset/memcpy calls) one call of each op makes in native/kernels as
    /// written: e.g. attention forward = permute, QK^T, softmax, PV, permute back. Upper bounds (a null dinput or an
    /// inactive dropout makes fewer). Kept by hand: update it with the kernels.</summary>
    static readonly Dictionary<string, int> CudaLaunchesPerCall = new()
    {
        ["EmbeddingForward"] = 1, ["EmbeddingBackward"] = 5, // token atomics, segment 2 passes, position
        ["MatmulForward"] = 1, ["MatmulBackward"] = 4,       // dinput, dweight GEMMs; dbias 2 passes
        ["AttentionForward"] = 5, ["AttentionBackward"] = 9,
        ["LayerNormForward"] = 1, ["ResidualLayerNormForward"] = 1, ["LayerNormBackward"] = 3,
        ["ActivationForward"] = 1, ["ActivationBackward"] = 1, ["DropoutForward"] = 1, ["DropoutBackward"] = 1,
        ["GatherForward"] = 1, ["GatherBackward"] = 1, ["SoftmaxCrossEntropy"] = 1,
        ["WeightedSum"] = 2, ["SumOfSquares"] = 2, ["AdamStep"] = 1, ["Zero"] = 1, ["Copy"] = 1,
    };

    // TimedBackend may name a call site after the op ("MatmulBackward (decoder)").
    static int Launches(string op) => CudaLaunchesPerCall[op.Split(' ')[0]];

    [Test, Explicit("profile print, not a check"), Category("Benchmark")]
    public void PrintLaunchesAndHostTimePerStep()
    {
        var dataset = WikiTextDataset.Load(TestData.WikiTextDir, 64, seed: 1);
        var config = BertConfig.Book(dataset.Corpus.Vocabulary.Count);
        var batch = BertNative.Model.Checkpoints.BatchFile.Sample(dataset.Examples, 512, 1, samplerSeed: 1)[0];
        using var timed = new TimedBackend(new CpuBackend());
        var model = new BertModel(timed, config, 512, 64, Initialization.Initialize(new ParameterLayout(config), new SeededRandom(1)));
        model.TrainStep(batch, new AdamSettings(0.01f), 1, seed: 1); // warm-up: JIT, first touch
        timed.Reset();
        const int steps = 5;
        var wall = Stopwatch.StartNew();
        for (int t = 2; t < 2 + steps; t++) model.TrainStep(batch, new AdamSettings(0.01f), t, seed: 1);
        double wallMs = wall.Elapsed.TotalMilliseconds / steps;

        var ops = timed.Times.ToList();
        int calls = ops.Sum(o => o.Calls) / steps;
        int launches = ops.Sum(o => o.Calls * Launches(o.Op)) / steps;
        double insideOps = ops.Sum(o => o.Milliseconds) / steps;
        TestContext.Out.WriteLine($"book step (batch 512, max-len 64, 2 layers) on {timed.DeviceDescription}, mean of {steps} steps");
        TestContext.Out.WriteLine($"  {"op",-26} {"calls",5} {"cuda launches",13}");
        foreach (var (op, _, opCalls) in ops.OrderBy(o => o.Op))
            TestContext.Out.WriteLine($"  {op,-26} {opCalls / steps,5} {opCalls / steps * Launches(op),13}");
        TestContext.Out.WriteLine($"  op calls per step {calls}; cuda kernel launches per step <= {launches}");
        TestContext.Out.WriteLine($"  wall {wallMs:F1} ms per step, inside ops {insideOps:F1} ms, host outside ops {wallMs - insideOps:F2} ms");
        Assert.That(calls, Is.Positive);
    }
}
