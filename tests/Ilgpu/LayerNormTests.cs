using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ilgpu;

public sealed class LayerNormTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    private const float Epsilon = 1e-5f;

    public readonly record struct Shape(int N, int C);

    // C = 1 (the output is beta), C below, at and above the 16-thread group of the CPU accelerator.
    private static readonly Shape[] Shapes = [new(1, 1), new(3, 7), new(2, 16), new(4, 37)];

    [Test]
    public void ForwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape, [Values("plain", "residual", "residual p0.2")] string mode) =>
        Forward(shape, mode, Epsilon);

    /// <summary>Hugging Face's epsilon, used by every LayerNorm of its models, the embeddings' among them.</summary>
    [Test]
    public void ForwardWithHuggingFacesEpsilonMatchesReference([Values("plain", "residual")] string mode) => Forward(new(4, 37), mode, 1e-12f);

    private void Forward(Shape shape, string mode, float epsilon)
    {
        var (N, C) = shape;
        bool residual = mode != "plain";
        var dropout = Dropout.For(mode.EndsWith("p0.2") ? 0.2f : 0f, seed: 5, step: 3, site: 1);
        using var o = Session();
        double[] a = o.Floats(N * C, 3), b = o.Floats(N * C), gamma = o.Floats(C), beta = o.Floats(C);
        double[] output = new double[N * C], sum = new double[N * C], mean = new double[N], rstd = new double[N];
        var outputView = o.Poisoned(N * C);
        var sumView = o.Poisoned(N * C);
        var meanView = o.Poisoned(N);
        var rstdView = o.Poisoned(N);
        if (residual)
        {
            ReferenceOps.ResidualLayerNormForward(output, sum, mean, rstd, a, b, gamma, beta, N, C, epsilon, dropout);
            Backend.ResidualLayerNormForward(outputView, sumView, meanView, rstdView, o.Upload(a), o.Upload(b),
                o.Upload(gamma), o.Upload(beta), N, C, epsilon, dropout);
            o.Check("residual", sum, sumView);
        }
        else
        {
            ReferenceOps.LayerNormForward(output, mean, rstd, a, gamma, beta, N, C, epsilon);
            Backend.LayerNormForward(outputView, meanView, rstdView, o.Upload(a), o.Upload(gamma), o.Upload(beta), N, C, epsilon);
        }
        o.Check("output", output, outputView);
        o.Check("mean", mean, meanView);
        o.Check("rstd", rstd, rstdView);
    }

    [Test]
    public void BackwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape)
    {
        var (N, C) = shape;
        using var o = Session();
        double[] x = o.Floats(N * C, 3), gamma = o.Floats(C), beta = o.Floats(C), dy = o.Floats(N * C);
        double[] dgamma = o.Floats(C), dbeta = o.Floats(C), dx = new double[N * C];
        double[] mean = new double[N], rstd = new double[N];
        ReferenceOps.LayerNormForward(new double[N * C], mean, rstd, x, gamma, beta, N, C, Epsilon);
        // The backend gets the statistics as float32, as its forward would have stored them.
        mean = [.. mean.Select(v => (double)(float)v)];
        rstd = [.. rstd.Select(v => (double)(float)v)];

        var dinput = o.Poisoned(N * C);
        var dgammaView = o.Upload(dgamma);
        var dbetaView = o.Upload(dbeta);
        Backend.LayerNormBackward(dinput, dgammaView, dbetaView, o.Upload(dy), o.Upload(x), o.Upload(gamma),
            o.Upload(mean), o.Upload(rstd), N, C);
        ReferenceOps.LayerNormBackward(dx, dgamma, dbeta, dy, x, gamma, mean, rstd, N, C);
        o.Check("dinput", dx, dinput);
        o.Check("dgamma", dgamma, dgammaView);
        o.Check("dbeta", dbeta, dbetaView);
    }
}
