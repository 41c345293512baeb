using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace BertNative.Model.Data;

/// <summary>A SHA-256 of the built examples and the vocabulary: equal only when a resumed run would see exactly
/// the data it was trained on (same text, --max-len, --min-freq, seed).</summary>
public static class DataFingerprint
{
    public static string Of(PretrainingExamples e)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var ints in new[] { e.TokenIds, e.Segments, e.ValidLens, e.PredPositions, e.MlmLabels, e.NspLabels })
            sha.AppendData(MemoryMarshal.AsBytes(ints.AsSpan()));
        sha.AppendData(MemoryMarshal.AsBytes(e.MlmWeights.AsSpan()));
        for (int i = 0; i < e.Vocabulary.Count; i++) sha.AppendData(System.Text.Encoding.UTF8.GetBytes(e.Vocabulary[i] + "\n"));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
