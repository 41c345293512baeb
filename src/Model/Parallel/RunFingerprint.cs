using System.Security.Cryptography;
using BertNative.Model.Training;

namespace BertNative.Model.Parallel;

/// <summary>A 64-bit digest of what every rank must agree on before the first step: the model's shape, the training
/// settings and seed, and the examples (through the data fingerprint the checkpoint keeps for --resume).</summary>
public static class RunFingerprint
{
    public static ulong Of(BertConfig config, PretrainSettings settings, int accumulate, string dataFingerprint) =>
        BitConverter.ToUInt64(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{config}|{settings}|{accumulate}|{dataFingerprint}")));
}
