using BertNative.Contract;

namespace BertNative.Model.Training;

/// <summary>
/// One optimizer step on a model's gradient buffer: the scheduled learning rate, global-norm clipping and AdamW.
/// Weight decay skips biases and LayerNorm parameters (as BERT's), so the buffer is stepped in runs of
/// adjacent tensors that share a decay; without decay it is one AdamW call over the whole buffer.
/// </summary>
public sealed class AdamWOptimizer
{
    private readonly BertModel _model;
    private readonly IBackend _backend;
    private readonly OptimizerSettings _settings;
    private readonly (long Offset, long Count, bool Decayed)[] _runs;
    private readonly FloatView _normSquared;

    public AdamWOptimizer(BertModel model, OptimizerSettings settings)
    {
        if (!float.IsFinite(settings.LearningRate) || settings.LearningRate <= 0)
            throw new BertNativeException($"--lr {settings.LearningRate} must be a positive number");
        _model = model;
        _backend = model.Backend;
        _settings = settings;
        _runs = settings.WeightDecay > 0 ? DecayRuns(model.Layout) : [(0, model.Layout.TotalCount, false)];
        _normSquared = _backend.AllocateFloats(1);
    }

    /// <summary>The learning rate and the gradient norm of the last <see cref="Step"/> (see there).</summary>
    public float LastLearningRate { get; private set; } = float.NaN;
    public float LastGradientNorm { get; private set; } = float.NaN;

    /// <summary>Whether weight decay applies to a tensor: not to biases and LayerNorm gains/shifts (BERT's exclusions).</summary>
    public static bool IsDecayed(TensorSlot slot) => slot.Role is TensorRole.Weight or TensorRole.Embedding;

    /// <summary>Steps the parameters with the gradients of step <paramref name="step"/>; returns the learning rate used
    /// and the gradient's global norm before clipping (NaN when clipping is off: measuring it waits for the device).</summary>
    public (float LearningRate, float GradientNorm) Step(int step, int totalSteps)
    {
        float lr = _settings.LearningRateAt(step, totalSteps), scale = 1f, norm = float.NaN;
        if (_settings.Clip > 0)
        {
            _backend.SumOfSquares(_normSquared, _model.Gradients.All, _model.Layout.TotalCount);
            Span<float> sum = stackalloc float[1];
            _backend.Download(_normSquared, sum);
            norm = MathF.Sqrt(sum[0]);
            if (norm > _settings.Clip) scale = _settings.Clip / norm;
        }
        foreach (var (offset, count, decayed) in _runs)
        {
            var adam = new AdamSettings(lr, WeightDecay: decayed ? _settings.WeightDecay : 0f, GradientScale: scale);
            _backend.AdamStep(_model.Parameters.All.Slice(offset, count), _model.Gradients.All.Slice(offset, count),
                _model.AdamM.Slice(offset, count), _model.AdamV.Slice(offset, count), count, adam, step);
        }
        (LastLearningRate, LastGradientNorm) = (lr, norm);
        return (lr, norm);
    }

    private static (long, long, bool)[] DecayRuns(ParameterLayout layout)
    {
        var runs = new List<(long Offset, long Count, bool Decayed)>();
        foreach (var slot in layout.Slots)
        {
            bool decayed = IsDecayed(slot);
            if (runs.Count > 0 && runs[^1].Decayed == decayed) runs[^1] = (runs[^1].Offset, runs[^1].Count + slot.Count, decayed);
            else runs.Add((slot.Offset, slot.Count, decayed));
        }
        return [.. runs];
    }
}
