using System.Diagnostics;
using BertNative.Model.Data;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>The pretraining loop (docs/model-spec.md §3): epoch-shuffled global batches; per step the <see cref="StepRunner"/> computes
/// the batch's gradients and losses (one model, or data-parallel replicas and accumulated micro-batches) and every
/// replica takes the same optimizer step (schedule, clipping, AdamW). A cancelled token stops it between steps; the
/// result then holds the steps that finished. <see cref="Save"/> and <see cref="Restore"/> make a stopped loop continue exactly.</summary>
public sealed class Pretrainer
{
    private readonly StepRunner _runner;
    private readonly PretrainingExamples _examples;
    private readonly PretrainSettings _settings;
    private readonly Dictionary<BertModel, AdamWOptimizer> _optimizers;
    private readonly BatchSampler _sampler;
    private readonly Batch _batch;

    public Pretrainer(StepRunner runner, PretrainingExamples examples, PretrainSettings settings)
    {
        _runner = runner;
        _examples = examples;
        _settings = settings;
        _optimizers = runner.Replicas.ToDictionary(r => r.Model, r => new AdamWOptimizer(r.Model, settings.Optimizer));
        _sampler = new BatchSampler(examples.Count, settings.StepPairs, new SeededRandom(settings.Seed ^ SeedStreams.Batches));
        _batch = new Batch(Math.Min(settings.StepPairs, examples.Count), examples.MaxLen, examples.PredictionSlots);
        Guard = new DivergenceGuard(settings.Optimizer);
        if (runner.Replicas.FirstOrDefault(r => r.Model.LossMode != settings.LossMode) is { } other)
            throw new ArgumentException($"the settings train the {settings.LossMode} loss but a replica's model was built for {other.Model.LossMode}");
    }

    /// <summary>Steps done so far (0 for a fresh run).</summary>
    public int CompletedSteps { get; private set; }

    /// <summary>Stops the loop (before the update) when the loss diverges.</summary>
    public DivergenceGuard Guard { get; }

    public static PretrainResult Run(BertModel model, PretrainingExamples examples, PretrainSettings settings,
        Action<StepResult>? onStep = null, CancellationToken stop = default) =>
        new Pretrainer(new StepRunner([new Replica(model, null)]), examples, settings).Run(onStep, stop);

    /// <summary>Trains from the step after <see cref="CompletedSteps"/> up to the settings' total.</summary>
    public PretrainResult Run(Action<StepResult>? onStep = null, CancellationToken stop = default)
    {
        var steps = new List<StepResult>();
        var clock = new Stopwatch();
        var first = _optimizers[_runner.Replicas[0].Model];
        for (int t = CompletedSteps + 1; t <= _settings.Steps; t++)
        {
            // Ranks in other processes see another Ctrl+C at another time: there the stop is agreed within the step.
            if (stop.IsCancellationRequested && !_runner.SpansProcesses) break;
            // A step that fails leaves the weights of the step before; the sampler goes back with them, so a checkpoint
            // saved after the failure continues exactly.
            var before = _sampler.Save();
            _batch.Fill(_examples, _sampler.Next());
            clock.Restart();
            int step = t;
            float mlm, nsp;
            try
            {
                (mlm, nsp) = _runner.Step(_batch, t, _settings.Seed, m => _optimizers[m].Step(step, _settings.Steps),
                    () => stop.IsCancellationRequested, Guard.Accepts); // the step is done
            }
            catch
            {
                _sampler.Restore(before);
                throw;
            }
            clock.Stop();
            if (!Guard.Accepts(mlm, nsp))
            {
                _sampler.Restore(before);
                throw Guard.Failure(t, mlm, nsp);
            }
            Guard.Start ??= mlm + nsp;
            CompletedSteps = t;
            var result = new StepResult(t, _sampler.Epoch, mlm, nsp, clock.Elapsed.TotalSeconds, _batch.Size, first.LastLearningRate, first.LastGradientNorm);
            steps.Add(result);
            onStep?.Invoke(result);
            if (_runner.StopAgreed && _runner.SpansProcesses) break;
        }
        return new PretrainResult(steps);
    }

    /// <summary>Everything besides the settings and the models' buffers that the next step depends on.</summary>
    public LoopState Save() => new(CompletedSteps, _sampler.Save());

    public void Restore(LoopState state)
    {
        _sampler.Restore(state.Sampler);
        CompletedSteps = state.CompletedSteps;
    }
}

/// <summary>Where a training loop stands: steps done and the batch sampler's state.</summary>
public sealed record LoopState(int CompletedSteps, SamplerState Sampler);

/// <summary>One --seed feeds several independent random streams; these constants keep them apart.</summary>
public static class SeedStreams
{
    public const ulong Data = 0, Init = 0x1A5EED, Batches = 0xBA7C4E5;
}
