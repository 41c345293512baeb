using BertNative.Interop;
using BertNative.Model;

namespace BertNative.Trainer.Commands;

/// <summary>Creates the model, turning a device allocation failure into a one-line error with what to lower.</summary>
public static class ModelMemory
{
    public static BertModel Create(IBackend backend, BertConfig config, int capacity, int maxLen, float[] init)
    {
        try { return new BertModel(backend, config, capacity, maxLen, init); }
        catch (OutOfMemoryException)
        {
            throw new BertNativeException($"out of memory on {backend.Name} for batch {capacity} x max_len {maxLen}; lower --batch or --max-len, or pick a smaller --model");
        }
    }
}
