using BertNative.Contract;

namespace BertNative.Model;

/// <summary>Creates the model after checking that it fits: the estimate is compared with what the backend says is
/// available, and a run that cannot fit is refused with one line before anything is allocated. An allocation
/// that fails anyway is the same kind of line.</summary>
public static class ModelMemory
{
    /// <summary>Below this share of the available memory a run is let through: the rest is for the data,
    /// the backend's own scratch and the host copies made when saving.</summary>
    private const double UsableShare = 0.85;

    /// <summary>The line printed with the data line: "memory: X GB of Y GB available". <paramref name="sharing"/> models
    /// share the backend's memory (data-parallel replicas on the cpu).</summary>
    public static string Check(IBackend backend, BertConfig config, int capacity, int maxLen, int sharing = 1, bool training = true)
    {
        var one = MemoryEstimate.For(config, capacity, maxLen, training);
        var estimate = new MemoryEstimate(one.ParameterStateBytes * sharing, one.ActivationBytes * sharing);
        long? available = backend.AvailableMemoryBytes;
        string where = backend.Name == "cpu" ? "host" : "GPU", state = training ? "parameters, gradients and Adam" : "parameters";
        if (available is long free && estimate.TotalBytes > UsableShare * free)
            throw new BertNativeException($"batch {capacity} x max_len {maxLen} with this model needs about {MemoryEstimate.Size(estimate.TotalBytes)} of {where} memory " +
                $"({state} {MemoryEstimate.Size(estimate.ParameterStateBytes)}, activations {MemoryEstimate.Size(estimate.ActivationBytes)}) " +
                $"but {MemoryEstimate.Size(free)} is available; lower --batch or --max-len (or raise --accumulate), or pick a smaller --model");
        return $"memory: {MemoryEstimate.Size(estimate.TotalBytes)} of {where} memory ({state} {MemoryEstimate.Size(estimate.ParameterStateBytes)}, " +
               $"activations {MemoryEstimate.Size(estimate.ActivationBytes)}){(available is long a ? $", {MemoryEstimate.Size(a)} available" : "")}";
    }

    /// <summary>The model, with its training state (gradients, Adam moments) allocated when <paramref name="training"/>.</summary>
    public static BertModel Create(IBackend backend, BertConfig config, int capacity, int maxLen, float[] init, LossMode loss = LossMode.Intended,
        bool training = true)
    {
        try
        {
            var model = new BertModel(backend, config, capacity, maxLen, init) { LossMode = loss };
            if (training) model.AllocateTrainingState();
            return model;
        }
        catch (OutOfMemoryException)
        {
            throw new BertNativeException($"out of memory on {backend.Name} for batch {capacity} x max_len {maxLen}; lower --batch or --max-len (or raise --accumulate), or pick a smaller --model");
        }
    }
}
