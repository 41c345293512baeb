using System.Diagnostics;
using BertNative.Interop;
using BertNative.Model.Data;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>The pretraining loop (spec §3): epoch-shuffled batches, one Adam step each, losses read every step.
/// A cancelled token stops it between steps; the result then holds the steps that finished.</summary>
public static class Pretrainer
{
    public static PretrainResult Run(BertModel model, PretrainingExamples examples, PretrainSettings settings,
        Action<StepResult>? onStep = null, CancellationToken stop = default) =>
        Run(new StepRunner([new Replica(model, null)]), examples, settings, onStep, stop);

    /// <summary>The same loop over data-parallel replicas and accumulated micro-batches: each step takes one global
    /// batch of <see cref="PretrainSettings.BatchSize"/> pairs; losses and pairs/s are global.</summary>
    public static PretrainResult Run(StepRunner runner, PretrainingExamples examples, PretrainSettings settings,
        Action<StepResult>? onStep = null, CancellationToken stop = default)
    {
        if (!float.IsFinite(settings.Adam.LearningRate) || settings.Adam.LearningRate <= 0)
            throw new BertNativeException($"--lr {settings.Adam.LearningRate} must be a positive number");
        foreach (var replica in runner.Replicas) replica.Model.LossMode = settings.LossMode;
        var sampler = new BatchSampler(examples.Count, settings.BatchSize, new SeededRandom(settings.Seed ^ SeedStreams.Batches));
        var batch = new Batch(Math.Min(settings.BatchSize, examples.Count), examples.MaxLen, examples.PredictionSlots);
        var steps = new List<StepResult>(settings.Steps);
        var clock = new Stopwatch();
        for (int t = 1; t <= settings.Steps && !stop.IsCancellationRequested; t++)
        {
            batch.Fill(examples, sampler.Next());
            clock.Restart();
            int step = t;
            var (mlm, nsp) = runner.Step(batch, t, settings.Seed, m => m.AdamStep(settings.Adam, step)); // the step is done
            clock.Stop();
            if (!float.IsFinite(mlm) || !float.IsFinite(nsp))
                throw new BertNativeException($"training diverged at step {t} (MLM loss {mlm}, NSP loss {nsp}); lower --lr");
            var result = new StepResult(t, sampler.Epoch, mlm, nsp, clock.Elapsed.TotalSeconds, batch.Size);
            steps.Add(result);
            onStep?.Invoke(result);
        }
        return new PretrainResult(steps);
    }
}

/// <summary>One --seed feeds several independent random streams; these constants keep them apart.</summary>
public static class SeedStreams
{
    public const ulong Data = 0, Init = 0x1A5EED, Batches = 0xBA7C4E5;
}
