using BertNative.Model;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Export;

/// <summary>The MLM and NSP heads of docs/model-spec.md §2 for one encoder row, in float64 loops, from the checkpoint's tensors.</summary>
public sealed class HeadsReference(BertConfig config, float[] parameters)
{
    private readonly ParameterLayout _layout = ParameterLayout.Of(config);

    /// <summary>Linear -> ReLU (or the config's MLM activation) -> LayerNorm -> Linear(V) on one row: its V logits.
    /// A tied decoder's weight is the token table.</summary>
    public float[] Mlm(ReadOnlySpan<float> row)
    {
        var dense = Linear(ToDouble(row), "mlm.mlp.0").Select(v => ReferenceOps.Activate(config.MlmActivation, v)).ToArray();
        string decoder = config.TieDecoder ? "encoder.token_embedding.weight" : "mlm.mlp.3.weight";
        return ToFloat(Linear(LayerNorm(dense, "mlm.mlp.2"), decoder, "mlm.mlp.3.bias"));
    }

    /// <summary>Linear -> tanh -> Linear(2) on the &lt;cls&gt; row: its 2 logits.</summary>
    public float[] Nsp(ReadOnlySpan<float> cls) => ToFloat(Linear(Linear(ToDouble(cls), "hidden.0").Select(Math.Tanh).ToArray(), "nsp.output"));

    private double[] Linear(double[] x, string name) => Linear(x, name + ".weight", name + ".bias");

    private double[] Linear(double[] x, string weight, string bias)
    {
        var w = Tensor(weight);
        var b = Tensor(bias);
        var y = new double[b.Length];
        for (int o = 0; o < y.Length; o++)
        {
            double sum = b[o];
            for (int i = 0; i < x.Length; i++) sum += x[i] * w[o * x.Length + i];
            y[o] = sum;
        }
        return y;
    }

    private double[] LayerNorm(double[] x, string name)
    {
        var gamma = Tensor(name + ".weight").ToArray();
        var beta = Tensor(name + ".bias").ToArray();
        double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
        double rstd = 1 / Math.Sqrt(variance + config.LayerNormEpsilon);
        return [.. x.Select((v, i) => (v - mean) * rstd * gamma[i] + beta[i])];
    }

    private ReadOnlySpan<float> Tensor(string name)
    {
        var slot = _layout[name];
        return parameters.AsSpan((int)slot.Offset, (int)slot.Count);
    }

    private static double[] ToDouble(ReadOnlySpan<float> values) => [.. values.ToArray().Select(v => (double)v)];

    private static float[] ToFloat(double[] values) => [.. values.Select(v => (float)v)];
}
