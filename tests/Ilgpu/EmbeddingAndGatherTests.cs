using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

public sealed class EmbeddingAndGatherTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    private const int B = 2, T = 5, H = 3, V = 4, MaxPositions = 7;

    [Test]
    public void EmbeddingForwardSumsThreeTables()
    {
        var tokens = DeviceArrays.RandomInts(B * T, V);
        var segments = DeviceArrays.RandomInts(B * T, 2);
        var tok = DeviceArrays.Random(V * H);
        var seg = DeviceArrays.Random(2 * H);
        var pos = DeviceArrays.Random(MaxPositions * H);
        var output = Backend.Poisoned(B * T * H);
        Backend.EmbeddingForward(output, Backend.Upload(tokens), Backend.Upload(segments), Backend.Upload(tok), Backend.Upload(seg),
            Backend.Upload(pos), B, T, H);

        var expected = new double[B * T * H];
        for (int bt = 0; bt < B * T; bt++)
            for (int c = 0; c < H; c++)
                expected[bt * H + c] = (double)tok[tokens[bt] * H + c] + seg[segments[bt] * H + c] + pos[bt % T * H + c];
        DeviceArrays.AssertClose(Backend.Read(output), expected, "output");
    }

    [Test]
    public void EmbeddingBackwardScatterAdds([Values] bool positionTrained)
    {
        // Few tokens for many slots: repeated rows exercise the atomics.
        var tokens = DeviceArrays.RandomInts(B * T, 2);
        var segments = DeviceArrays.RandomInts(B * T, 2);
        var dy = DeviceArrays.Random(B * T * H);
        var dtok0 = DeviceArrays.Random(V * H);
        var dseg0 = DeviceArrays.Random(2 * H);
        var dpos0 = DeviceArrays.Random(MaxPositions * H);
        var dtok = Backend.Upload(dtok0);
        var dseg = Backend.Upload(dseg0);
        var dpos = Backend.Upload(dpos0);
        Backend.EmbeddingBackward(dtok, dseg, positionTrained ? dpos : null, Backend.Upload(dy), Backend.Upload(tokens),
            Backend.Upload(segments), B, T, H);

        double[] et = dtok0.ToDouble(), es = dseg0.ToDouble(), ep = dpos0.ToDouble();
        for (int bt = 0; bt < B * T; bt++)
            for (int c = 0; c < H; c++)
            {
                et[tokens[bt] * H + c] += dy[bt * H + c];
                es[segments[bt] * H + c] += dy[bt * H + c];
                if (positionTrained) ep[bt % T * H + c] += dy[bt * H + c];
            }
        DeviceArrays.AssertClose(Backend.Read(dtok), et, "dTokenTable");
        DeviceArrays.AssertClose(Backend.Read(dseg), es, "dSegmentTable");
        DeviceArrays.AssertClose(Backend.Read(dpos), ep, "dPositionTable");
    }

    [Test]
    public void GatherForwardAndBackward([Values(1, 4)] int P)
    {
        const int C = 3;
        var positions = DeviceArrays.RandomInts(B * P, T);
        positions[0] = positions[^1] % T; // keep a repeat likely in the backward
        var input = DeviceArrays.Random(B * T * C);
        var dy = DeviceArrays.Random(B * P * C);
        var dinput0 = DeviceArrays.Random(B * T * C);
        var output = Backend.Poisoned(B * P * C);
        var dinput = Backend.Upload(dinput0);
        var positionView = Backend.Upload(positions);
        Backend.GatherForward(output, Backend.Upload(input), positionView, B, T, P, C);
        Backend.GatherBackward(dinput, Backend.Upload(dy), positionView, B, T, P, C);

        var expected = new double[B * P * C];
        var expectedGrad = dinput0.ToDouble();
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++)
                for (int c = 0; c < C; c++)
                {
                    int source = (b * T + positions[b * P + p]) * C + c;
                    expected[(b * P + p) * C + c] = input[source];
                    expectedGrad[source] += dy[(b * P + p) * C + c];
                }
        DeviceArrays.AssertClose(Backend.Read(output), expected, "output");
        DeviceArrays.AssertClose(Backend.Read(dinput), expectedGrad, "dinput");
    }
}
