using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

public sealed class LayerNormTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    private const float Epsilon = 1e-5f;

    public readonly record struct Shape(int N, int C);

    // C = 1 (output is beta), C below, at and above the 16-thread group of the CPU accelerator.
    private static readonly Shape[] Shapes = [new(1, 1), new(3, 7), new(2, 16), new(4, 37)];

    /// <summary>Row statistics of x in double: (mean, rstd) per row.</summary>
    private static (double Mean, double Rstd)[] Statistics(double[] x, int N, int C) => [.. Enumerable.Range(0, N).Select(n =>
    {
        var row = x.AsSpan(n * C, C).ToArray();
        double mean = row.Average(), variance = row.Sum(v => (v - mean) * (v - mean)) / C;
        return (mean, 1 / Math.Sqrt(variance + Epsilon));
    })];

    [Test]
    public void ForwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape, [Values] bool residual)
    {
        var (N, C) = shape;
        var a = DeviceArrays.Random(N * C, scale: 3);
        var b = DeviceArrays.Random(N * C);
        var gamma = DeviceArrays.Random(C);
        var beta = DeviceArrays.Random(C);
        var output = Backend.Poisoned(N * C);
        var mean = Backend.Poisoned(N);
        var rstd = Backend.Poisoned(N);
        var sum = Backend.Poisoned(N * C);
        if (residual)
            Backend.ResidualLayerNormForward(output, sum, mean, rstd, Backend.Upload(a), Backend.Upload(b),
                Backend.Upload(gamma), Backend.Upload(beta), N, C, Epsilon);
        else
            Backend.LayerNormForward(output, mean, rstd, Backend.Upload(a), Backend.Upload(gamma), Backend.Upload(beta), N, C, Epsilon);

        var x = residual ? a.Select((v, i) => (double)v + b[i]).ToArray() : a.ToDouble();
        var stats = Statistics(x, N, C);
        var expected = x.Select((v, i) => (v - stats[i / C].Mean) * stats[i / C].Rstd * gamma[i % C] + beta[i % C]).ToArray();
        DeviceArrays.AssertClose(Backend.Read(output), expected, "output");
        DeviceArrays.AssertClose(Backend.Read(mean), [.. stats.Select(s => s.Mean)], "mean");
        DeviceArrays.AssertClose(Backend.Read(rstd), [.. stats.Select(s => s.Rstd)], "rstd", relative: 1e-3);
        if (residual) DeviceArrays.AssertClose(Backend.Read(sum), x, "residual");
    }

    [Test]
    public void BackwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape)
    {
        var (N, C) = shape;
        var x = DeviceArrays.Random(N * C, scale: 3);
        var gamma = DeviceArrays.Random(C);
        var dy = DeviceArrays.Random(N * C);
        var dgamma0 = DeviceArrays.Random(C);
        var dbeta0 = DeviceArrays.Random(C);
        var stats = Statistics(x.ToDouble(), N, C);

        var dinput = Backend.Poisoned(N * C);
        var dgamma = Backend.Upload(dgamma0);
        var dbeta = Backend.Upload(dbeta0);
        Backend.LayerNormBackward(dinput, dgamma, dbeta, Backend.Upload(dy), Backend.Upload(x), Backend.Upload(gamma),
            Backend.Upload(stats.Select(s => (float)s.Mean).ToArray()), Backend.Upload(stats.Select(s => (float)s.Rstd).ToArray()), N, C);

        var dx = new double[N * C];
        var dg = dgamma0.ToDouble();
        var db = dbeta0.ToDouble();
        for (int n = 0; n < N; n++)
        {
            var (mean, rstd) = stats[n];
            double meanG = 0, meanGx = 0;
            for (int c = 0; c < C; c++)
            {
                int i = n * C + c;
                double xhat = (x[i] - mean) * rstd, g = dy[i] * gamma[c];
                meanG += g / C;
                meanGx += g * xhat / C;
                dg[c] += dy[i] * xhat;
                db[c] += dy[i];
            }
            for (int c = 0; c < C; c++)
            {
                int i = n * C + c;
                dx[i] = rstd * (dy[i] * gamma[c] - meanG - (x[i] - mean) * rstd * meanGx);
            }
        }
        // dinput is a difference of nearly equal terms: compare against the scale of its row.
        DeviceArrays.AssertClose(Backend.Read(dinput), dx, "dinput", absolute: 1e-4);
        DeviceArrays.AssertClose(Backend.Read(dgamma), dg, "dgamma");
        DeviceArrays.AssertClose(Backend.Read(dbeta), db, "dbeta");
    }
}
