using System.Diagnostics;
using System.Globalization;
using BertNative.Contract;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Parallel;

namespace BertNative.Model.Training;

/// <summary>What a run trains on and how: the model's shape, the data, the settings and the options that define it
/// (kept in the checkpoint so that --resume rebuilds exactly this run).</summary>
public sealed record RunPlan(BertConfig Config, Vocabulary Vocabulary, PretrainingExamples Examples, PretrainSettings Settings,
    IReadOnlyDictionary<string, string> Options, int SaveEvery = 0, int EvalEvery = 0, PretrainingExamples? EvalExamples = null, string EvalSplit = "valid",
    double SaveEveryMinutes = 0)
{
    private string? _dataFingerprint;

    /// <summary>The examples' SHA-256 (<see cref="Data.DataFingerprint"/>), taken once: the ranks compare it before the first
    /// step, the checkpoint keeps it, and --resume checks the data against it.</summary>
    public string DataFingerprint => _dataFingerprint ??= BertNative.Model.Data.DataFingerprint.Of(Examples);
}

/// <summary>
/// One pretraining run in its folder: metrics.jsonl (every step and evaluation), checkpoint/ (weights, Adam
/// moments and the loop's state: a resumed run continues bit-for-bit), loss.svg. The weights are written before
/// anything else at the end; when the run folder cannot take them they go to a fallback folder that the error names.
/// With data-parallel replicas, the first one is saved and evaluated (they hold the same weights); a rank other than
/// 0 runs with a folder that writes nothing.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    public const string MetricsFile = "metrics.jsonl", CheckpointFolder = "checkpoint", PlotFile = "loss.svg";

    private readonly RunFolder _folder;
    private readonly BertModel _model;
    private readonly RunPlan _plan;
    private readonly Pretrainer _loop;
    private readonly List<StepResult> _steps;
    private readonly List<(int Step, EvaluationResult Result)> _evaluations;
    private TrainingRun(RunFolder folder, StepRunner runner, RunPlan plan,
        List<StepResult> steps, List<(int, EvaluationResult)> evaluations)
    {
        _folder = folder;
        _model = runner.Replicas[0].Model;
        _plan = plan;
        _steps = steps;
        _evaluations = evaluations;
        _loop = new Pretrainer(runner, plan.Examples, plan.Settings);
    }

    public string Folder => _folder.Path;
    public string CheckpointPath => _folder.File(CheckpointFolder);
    public int CompletedSteps => _loop.CompletedSteps;
    /// <summary>Every step of the run, those before a resume included.</summary>
    public IReadOnlyList<StepResult> Steps => _steps;
    public IReadOnlyList<(int Step, EvaluationResult Result)> Evaluations => _evaluations;

    /// <summary>A new run in <paramref name="folder"/>, from the model's current (initial) weights.</summary>
    public static TrainingRun Start(RunFolder folder, StepRunner runner, RunPlan plan)
    {
        var run = new TrainingRun(folder, runner, plan, [], []);
        folder.Create();
        try { folder.Write(MetricsFile, () => File.WriteAllText(folder.File(MetricsFile), "")); }
        catch (RunFolderException) { folder.RemoveIfCreated(); throw; }
        return run;
    }

    /// <summary>The saved state of the run in <paramref name="runDir"/>: what --resume reads before building anything.</summary>
    public static TrainingState ReadState(string runDir, Action<string>? warn = null, bool checkLock = true)
    {
        if (checkLock && Directory.Exists(runDir)) RunFolderLock.Acquire(runDir).Dispose(); // a run still training there is named first
        string checkpoint = Checkpoint.Locate(Path.Combine(runDir, CheckpointFolder));
        if (!Directory.Exists(checkpoint))
            throw new BertNativeException($"--resume {runDir}: no {CheckpointFolder}/ in it; a run saves one at --save-every steps, on Ctrl+C and at its end");
        return TrainingState.Read(checkpoint, verifyAll: true, warn);
    }

    /// <summary>Continues the run saved in <paramref name="folder"/>: weights, Adam moments, sampler and step from its
    /// checkpoint; metrics after the checkpoint's step are dropped (they were trained again from it).</summary>
    public static TrainingRun Resume(RunFolder folder, StepRunner runner, RunPlan plan)
    {
        string checkpoint = Checkpoint.Locate(folder.File(CheckpointFolder));
        var state = TrainingState.Read(checkpoint);
        if (plan.DataFingerprint != state.DataFingerprint)
            throw new BertNativeException("--resume: the data differs from the run's (another text, --max-len, --min-freq or seed); point --data/--corpus at the run's data");
        var (config, _, parameters) = Checkpoint.Load(checkpoint);
        if (config != plan.Config)
            throw new BertNativeException($"--resume: the checkpoint's config.json ({Describe(config)}) differs from the model its saved options build ({Describe(plan.Config)}); " +
                                          "the checkpoint was edited: restore it from a copy");
        var (m, v) = TrainingState.ReadMoments(checkpoint, runner.Replicas[0].Model.Layout.TotalCount);
        if (state.CompletedSteps >= plan.Settings.Steps)
            throw new BertNativeException($"--resume: the run already has {state.CompletedSteps} steps; --steps is the total, so pass more than {state.CompletedSteps}");
        foreach (var model in runner.Replicas.Select(r => r.Model))
        {
            model.Backend.BindToCallingThread();
            model.Backend.Upload(model.Parameters.All, parameters);
            model.Backend.Upload(model.AdamM, m);
            model.Backend.Upload(model.AdamV, v);
        }
        var (steps, evaluations) = RunMetrics.Read(folder.File(MetricsFile), state.CompletedSteps);
        var run = new TrainingRun(folder, runner, plan, steps, evaluations);
        run._loop.Restore(new LoopState(state.CompletedSteps, state.Sampler));
        folder.Write(MetricsFile, () => File.WriteAllLines(folder.File(MetricsFile),
            [.. steps.Select(RunMetrics.StepLine), .. evaluations.Select(e => RunMetrics.EvaluationLine(e.Step, e.Result))]));
        return run;
    }

    /// <summary>Trains to the plan's total steps (or until <paramref name="stop"/>), saving and evaluating as planned.
    /// Any failure after a step was trained (a rank that timed out, a failed step, divergence, a write the run folder
    /// refused) saves the last good weights, in the run folder or else a fallback folder, and the error says where.</summary>
    public PretrainResult Train(Action<StepResult> onStep, Action<EvaluationResult> onEvaluation, CancellationToken stop)
    {
        int startedAt = _loop.CompletedSteps;
        if (startedAt > 0 && _steps.Count > 0) _loop.Guard.Start = _steps[0].Mlm + _steps[0].Nsp;
        var sinceSave = Stopwatch.StartNew();
        try
        {
            var result = _loop.Run(step =>
            {
                _steps.Add(step);
                _folder.Write(MetricsFile, () => File.AppendAllText(_folder.File(MetricsFile), RunMetrics.StepLine(step) + "\n"));
                onStep(step);
                bool last = step.Step == _plan.Settings.Steps;
                if (_plan.EvalEvery > 0 && (step.Step % _plan.EvalEvery == 0 || last)) onEvaluation(Evaluate(step.Step));
                bool due = (_plan.SaveEvery > 0 && step.Step % _plan.SaveEvery == 0)
                           || (_plan.SaveEveryMinutes > 0 && sinceSave.Elapsed.TotalMinutes >= _plan.SaveEveryMinutes);
                if (due && !last)
                {
                    SaveCheckpoint();
                    sinceSave.Restart();
                }
            }, stop);
            return result;
        }
        catch (Exception e) when (_loop.CompletedSteps > startedAt && _folder.Writes && e is not OutOfMemoryException)
        {
            string message = e is BertNativeException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            throw new BertNativeException($"{message}; {SaveAfterFailure(inRunFolder: e is not RunFolderException, resumable: e is not TrainingDivergedException)}", e);
        }
        finally
        {
            if (_loop.CompletedSteps == 0) _folder.RemoveIfCreated();
        }
    }

    /// <summary>Evaluates on the plan's held-out examples and appends the result to the metrics.</summary>
    public EvaluationResult Evaluate(int step)
    {
        _model.Backend.BindToCallingThread(); // replicas step on threads of their own; this runs on the caller's
        var result = Evaluator.Evaluate(_model, _plan.EvalExamples ?? throw new InvalidOperationException("no evaluation examples"), _plan.EvalSplit);
        _evaluations.Add((step, result));
        _folder.Write(MetricsFile, () => File.AppendAllText(_folder.File(MetricsFile), RunMetrics.EvaluationLine(step, result) + "\n"));
        return result;
    }

    /// <summary>Saves the checkpoint; when the run folder refuses it, saves it to a fallback folder and throws one line naming both.</summary>
    public void SaveFinalCheckpoint()
    {
        try { SaveCheckpoint(); }
        catch (RunFolderException e) { throw new BertNativeException($"{e.Message}; {SaveFallback()}", e); }
    }

    /// <summary>The loss plot (and evaluation points), then any other file the caller writes through <see cref="WriteFile"/>.</summary>
    public void WritePlot(string title) =>
        _folder.Write(PlotFile, () => LossPlot.WriteSvg(_folder.File(PlotFile), _steps, title, _evaluations));

    public void WriteFile(string name, string text) => _folder.Write(name, () => File.WriteAllText(_folder.File(name), text));

    private void SaveCheckpoint()
    {
        _folder.Write($"{CheckpointFolder}/", () => SaveCheckpointTo(CheckpointPath));
        if (_folder.Writes) RescueFolders.RemoveSupersededBy(Folder, _loop.CompletedSteps); // ranks other than 0 save nothing
    }

    private void SaveCheckpointTo(string folder)
    {
        var s = _plan.Settings;
        var state = new TrainingState(_loop.CompletedSteps, s.Seed, s.LossMode, s.StepPairs, s.Optimizer, _plan.Options, _plan.DataFingerprint, _loop.Save().Sampler);
        var metadata = new Dictionary<string, string>
        {
            ["steps"] = _loop.CompletedSteps.ToString(CultureInfo.InvariantCulture), ["seed"] = s.Seed.ToString(CultureInfo.InvariantCulture), ["loss"] = s.LossMode.ToString(),
        };
        _model.Backend.BindToCallingThread();
        float[] m = new float[_model.Layout.TotalCount], v = new float[_model.Layout.TotalCount];
        _model.Backend.Download(_model.AdamM, m);
        _model.Backend.Download(_model.AdamV, v);
        Checkpoint.Save(folder, _plan.Config, _plan.Vocabulary, _model.DownloadParameters(), metadata, staging => state.Write(staging, m, v));
    }

    /// <summary>After a failure: the weights of the last step that finished go to the run folder's checkpoint, else to a
    /// fallback folder; returns the sentence that says where.</summary>
    private string SaveAfterFailure(bool inRunFolder, bool resumable)
    {
        if (inRunFolder)
        {
            try
            {
                SaveCheckpoint();
                return $"the weights of step {_loop.CompletedSteps} are saved in {CheckpointPath}" + (resumable ? $" (continue with --resume {Folder})" : "");
            }
            catch (RunFolderException) { }
        }
        return SaveFallback();
    }

    /// <summary>Saves the checkpoint outside the run folder; returns the sentence that says where.</summary>
    private string SaveFallback()
    {
        string fallback = RescueFolders.PathFor(Folder, _loop.CompletedSteps);
        try
        {
            SaveCheckpointTo(fallback);
            RescueFolders.RemoveSupersededBy(Folder, _loop.CompletedSteps, keep: fallback);
            return $"the weights of step {_loop.CompletedSteps} are saved in {fallback} (a checkpoint: encode --checkpoint, or copy it into a run folder's checkpoint/ to resume)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { return $"saving them to {fallback} failed too ({e.Message}): the trained weights are lost"; }
    }

    /// <summary>Releases the run folder (its lock).</summary>
    public void Dispose() => _folder.Dispose();

    private static string Describe(BertConfig c) => $"{c.Layers} layers, {c.Hidden} hidden, {c.FfnHidden} ffn, {c.Heads} heads, vocabulary {c.VocabSize}";
}
