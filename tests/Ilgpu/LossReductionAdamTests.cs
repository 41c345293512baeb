using BertNative.Ilgpu;
using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

public sealed class LossReductionAdamTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void SoftmaxCrossEntropyMatchesReference([Values(1, 5, 40)] int C, [Values] bool weighted,
        [Values("none", "separate", "aliased")] string gradient)
    {
        const int N = 3;
        const float gradScale = 0.25f;
        var logits = DeviceArrays.Random(N * C, scale: 4);
        var labels = DeviceArrays.RandomInts(N, C);
        var weights = DeviceArrays.Random(N);
        var losses = Backend.Poisoned(N);
        var logitView = Backend.Upload(logits);
        var dlogits = gradient switch { "none" => (FloatView?)null, "separate" => Backend.Poisoned(N * C), _ => logitView };
        Backend.SoftmaxCrossEntropy(losses, dlogits, logitView, Backend.Upload(labels), weighted ? Backend.Upload(weights) : null,
            gradScale, N, C);

        var expectedLoss = new double[N];
        var expectedGrad = new double[N * C];
        for (int n = 0; n < N; n++)
        {
            var row = logits.AsSpan(n * C, C).ToArray().ToDouble();
            double max = row.Max(), sum = row.Sum(v => Math.Exp(v - max));
            expectedLoss[n] = Math.Log(sum) + max - row[labels[n]];
            for (int c = 0; c < C; c++)
                expectedGrad[n * C + c] = (Math.Exp(row[c] - max) / sum - (c == labels[n] ? 1 : 0)) * (weighted ? weights[n] : 1) * gradScale;
        }
        DeviceArrays.AssertClose(Backend.Read(losses), expectedLoss, "losses");
        if (dlogits is { } d) DeviceArrays.AssertClose(Backend.Read(d), expectedGrad, "dlogits", absolute: 1e-6);
    }

    [Test]
    public void SumsLandOnTheDevice([Values(1, 17, 5000)] int n, [Values] bool weighted)
    {
        var values = DeviceArrays.Random(n);
        var weights = DeviceArrays.Random(n);
        var result = Backend.Poisoned(2);
        var valueView = Backend.Upload(values);
        Backend.WeightedSum(result.Slice(0, 1), valueView, weighted ? Backend.Upload(weights) : null, n);
        Backend.SumOfSquares(result.Slice(1, 1), valueView, n);

        double sum = 0, squares = 0;
        for (int i = 0; i < n; i++)
        {
            sum += (double)values[i] * (weighted ? weights[i] : 1);
            squares += (double)values[i] * values[i];
        }
        DeviceArrays.AssertClose(Backend.Read(result), [sum, squares], "sums");
    }

    [Test]
    public void AdamStepMatchesTorchFormula([Values(1, 3)] int t, [Values(0f, 0.01f)] float weightDecay)
    {
        const int n = 23;
        var settings = new AdamSettings(1e-2f, WeightDecay: weightDecay);
        var p0 = DeviceArrays.Random(n);
        var g = DeviceArrays.Random(n);
        var m0 = DeviceArrays.Random(n, scale: 0.1);
        var v0 = Array.ConvertAll(DeviceArrays.Random(n, scale: 0.01), Math.Abs);
        var p = Backend.Upload(p0);
        var m = Backend.Upload(m0);
        var v = Backend.Upload(v0);
        Backend.AdamStep(p, Backend.Upload(g), m, v, n, settings, t);

        double[] ep = new double[n], em = new double[n], ev = new double[n];
        for (int i = 0; i < n; i++)
        {
            double grad = g[i] + (double)weightDecay * p0[i];
            em[i] = 0.9 * m0[i] + 0.1 * grad;
            ev[i] = 0.999 * v0[i] + 0.001 * grad * grad;
            ep[i] = p0[i] - 1e-2 * (em[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(ev[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
        }
        DeviceArrays.AssertClose(Backend.Read(m), em, "m");
        DeviceArrays.AssertClose(Backend.Read(v), ev, "v", absolute: 1e-7);
        DeviceArrays.AssertClose(Backend.Read(p), ep, "parameters");
    }
}
