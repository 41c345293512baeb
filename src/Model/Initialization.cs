using BertNative.Model.Data;

namespace BertNative.Model;

/// <summary>
/// PyTorch's default initialisation (docs/model-spec.md §2): embeddings and the positional table N(0, 1); linear
/// weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)); LayerNorm gamma 1, beta 0.
/// </summary>
public static class Initialization
{
    public static float[] Initialize(ParameterLayout layout, SeededRandom rng)
    {
        var values = new float[layout.TotalCount];
        foreach (var slot in layout.Slots)
        {
            var span = values.AsSpan((int)slot.Offset, (int)slot.Count);
            if (slot.Role is TensorRole.NormGain or TensorRole.NormShift)
                span.Fill(slot.Role == TensorRole.NormGain ? 1f : 0f);
            else if (slot.Role == TensorRole.Embedding)
                foreach (ref float v in span) v = (float)Gaussian(rng);
            else
            {
                double bound = 1.0 / Math.Sqrt(FanIn(layout, slot));
                foreach (ref float v in span) v = (float)((2 * rng.NextDouble() - 1) * bound);
            }
        }
        return values;
    }

    /// <summary>A linear layer's fan-in is its weight's second dimension; a bias shares its weight's (a tied decoder's
    /// bias, the token embedding's H).</summary>
    private static int FanIn(ParameterLayout layout, TensorSlot slot)
    {
        if (slot.Shape.Length == 2) return slot.Shape[1];
        string weight = slot.Name[..^".bias".Length] + ".weight";
        return layout[layout.Contains(weight) ? weight : TensorNames.TokenEmbedding].Shape[1];
    }

    private static double Gaussian(SeededRandom rng)
    {
        double u1 = 1.0 - rng.NextDouble(); // (0, 1]: log is finite
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
