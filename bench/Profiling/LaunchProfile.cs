using System.Diagnostics;
using BertNative.Bench.Step;
using BertNative.Cpu;

namespace BertNative.Bench.Profiling;

/// <summary>
/// What a book training step asks of a GPU, measured on the cpu side: op calls per step (one P/Invoke each on cuda),
/// the cuda kernel launches they make (from <see cref="CudaLaunchesPerCall"/>), and the host's own time per step,
/// outside the ops (the wall time of the step minus the time spent inside op calls). On a GPU the ops run
/// asynchronously, so that host time plus the launch costs bound the step from below. A print.
/// </summary>
public static class LaunchProfile
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

    public static void Run()
    {
        const int steps = StepProfile.Steps;
        using var timed = new TimedBackend(new CpuBackend());
        var step = new BookStep(timed, BookStep.BookExamples(seed: 1), seed: 1);
        step.Run(1); // warm-up: JIT, first touch
        timed.Reset();
        var wall = Stopwatch.StartNew();
        for (int t = 2; t < 2 + steps; t++) step.Run(t);
        double wallMs = wall.Elapsed.TotalMilliseconds / steps;

        var ops = timed.Times.ToList();
        int calls = ops.Sum(o => o.Calls) / steps;
        int launches = ops.Sum(o => o.Calls * Launches(o.Op)) / steps;
        double insideOps = ops.Sum(o => o.Milliseconds) / steps;
        Console.WriteLine($"book step (batch {BookStep.BatchSize}, max-len {BookStep.MaxLen}, 2 layers) on {timed.DeviceDescription}, mean of {steps} steps");
        Console.WriteLine($"  {"op",-26} {"calls",5} {"cuda launches",13}");
        foreach (var (op, _, opCalls) in ops.OrderBy(o => o.Op))
            Console.WriteLine($"  {op,-26} {opCalls / steps,5} {opCalls / steps * Launches(op),13}");
        Console.WriteLine($"  op calls per step {calls}; cuda kernel launches per step <= {launches}");
        Console.WriteLine($"  wall {wallMs:F1} ms per step, inside ops {insideOps:F1} ms, host outside ops {wallMs - insideOps:F2} ms");
    }
}
