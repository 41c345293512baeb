using BertNative.Model.Data;
using BertNative.Model.Training;

namespace BertNative.Model.Parallel;

/// <summary>A 64-bit digest of what every rank must agree on before the first step: the model's shape, the training
/// settings and seed, and the examples themselves.</summary>
public static class RunFingerprint
{
    public static ulong Of(BertConfig config, PretrainSettings settings, int accumulate, PretrainingExamples examples)
    {
        ulong hash = 14695981039346656037UL;
        void Mix(ReadOnlySpan<byte> bytes)
        {
            foreach (byte b in bytes) hash = (hash ^ b) * 1099511628211UL;
        }
        Mix(System.Text.Encoding.UTF8.GetBytes($"{config}|{settings}|{accumulate}|{examples.Count}|{examples.MaxLen}"));
        Mix(System.Runtime.InteropServices.MemoryMarshal.AsBytes(examples.TokenIds.AsSpan()));
        Mix(System.Runtime.InteropServices.MemoryMarshal.AsBytes(examples.MlmLabels.AsSpan()));
        return hash;
    }
}
