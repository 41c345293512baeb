using BertNative.Ilgpu;
using BertNative.Tests.Reference;

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
        using var o = Session();
        double[] x = o.Floats(N * I), w = o.Floats(O * I), b = o.Floats(O), expected = new double[N * O];
        ReferenceOps.MatmulForward(expected, x, w, withBias ? b : null, N, I, O);
        var output = o.Poisoned(N * O);
        Backend.MatmulForward(output, o.Upload(x), o.Upload(w), withBias ? o.Upload(b) : null, N, I, O);
        o.Check("output", expected, output);
    }

    [Test]
    public void BackwardMatchesReference([ValueSource(nameof(Shapes))] Shape shape, [Values] bool accumulateInput, [Values] bool optionalParts)
    {
        var (N, I, O) = shape;
        using var o = Session();
        double[] x = o.Floats(N * I), w = o.Floats(O * I), dy = o.Floats(N * O);
        double[] dx = o.Floats(N * I), dw = o.Floats(O * I), db = o.Floats(O);
        var dinput = accumulateInput ? o.Upload(dx) : o.Poisoned(N * I);
        var dweight = o.Upload(dw);
        var dbias = o.Upload(db);
        Backend.MatmulBackward(optionalParts ? dinput : null, accumulateInput, dweight, optionalParts ? dbias : null,
            o.Upload(dy), o.Upload(x), o.Upload(w), N, I, O);

        var untouchedBias = (double[])db.Clone();
        ReferenceOps.MatmulBackward(optionalParts ? dx : null, accumulateInput, dw, optionalParts ? db : null, dy, x, w, N, I, O);
        o.Check("dweight", dw, dweight);
        if (optionalParts)
        {
            o.Check("dinput", dx, dinput);
            o.Check("dbias", db, dbias);
        }
        else Assert.That(o.Download(dbias), Is.EqualTo(untouchedBias), "a null dbias leaves the buffer alone");
    }
}
