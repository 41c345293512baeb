using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

/// <summary>Linear layers at shapes off the GEMM tile grid (the CPU accelerator's tile edge is 4).</summary>
public sealed class MatmulTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    public readonly record struct Shape(int N, int I, int O);

    private static readonly Shape[] Shapes = [new(1, 1, 1), new(5, 7, 3), new(9, 4, 13), new(11, 9, 6)];

    [Test]
    public void ForwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape, [Values] bool withBias)
    {
        var (N, I, O) = shape;
        var x = DeviceArrays.Random(N * I);
        var w = DeviceArrays.Random(O * I);
        var b = DeviceArrays.Random(O);
        var output = Backend.Poisoned(N * O);
        Backend.MatmulForward(output, Backend.Upload(x), Backend.Upload(w), withBias ? Backend.Upload(b) : null, N, I, O);

        var expected = new double[N * O];
        for (int n = 0; n < N; n++)
            for (int o = 0; o < O; o++)
            {
                double sum = withBias ? b[o] : 0;
                for (int i = 0; i < I; i++) sum += (double)x[n * I + i] * w[o * I + i];
                expected[n * O + o] = sum;
            }
        DeviceArrays.AssertClose(Backend.Read(output), expected, "output");
    }

    [Test]
    public void BackwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape, [Values] bool accumulateInput, [Values] bool optionalParts)
    {
        var (N, I, O) = shape;
        var x = DeviceArrays.Random(N * I);
        var w = DeviceArrays.Random(O * I);
        var dy = DeviceArrays.Random(N * O);
        var dx0 = DeviceArrays.Random(N * I);
        var dw0 = DeviceArrays.Random(O * I);
        var db0 = DeviceArrays.Random(O);
        var dinput = accumulateInput ? Backend.Upload(dx0) : Backend.Poisoned(N * I);
        var dweight = Backend.Upload(dw0);
        var dbias = Backend.Upload(db0);
        Backend.MatmulBackward(optionalParts ? dinput : null, accumulateInput, dweight, optionalParts ? dbias : null,
            Backend.Upload(dy), Backend.Upload(x), Backend.Upload(w), N, I, O);

        var dx = new double[N * I];
        var dw = dw0.ToDouble();
        var db = db0.ToDouble();
        for (int n = 0; n < N; n++)
            for (int o = 0; o < O; o++)
            {
                double g = dy[n * O + o];
                db[o] += g;
                for (int i = 0; i < I; i++)
                {
                    dx[n * I + i] += g * w[o * I + i];
                    dw[o * I + i] += g * x[n * I + i];
                }
            }
        if (accumulateInput) for (int i = 0; i < dx.Length; i++) dx[i] += dx0[i];

        DeviceArrays.AssertClose(Backend.Read(dweight), dw, "dweight");
        if (optionalParts)
        {
            DeviceArrays.AssertClose(Backend.Read(dinput), dx, "dinput");
            DeviceArrays.AssertClose(Backend.Read(dbias), db, "dbias");
        }
        else Assert.That(Backend.Read(dbias), Is.EqualTo(db0), "a null dbias leaves the buffer alone");
    }
}
