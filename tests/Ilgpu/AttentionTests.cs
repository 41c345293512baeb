using BertNative.Ilgpu;
using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

public sealed class AttentionTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    public readonly record struct Shape(int B, int T, int H, int Heads);

    // One query; head size 3 off the tile grid; T = 6 spanning two tiles of the CPU accelerator.
    private static readonly Shape[] Shapes = [new(1, 1, 2, 1), new(2, 5, 6, 2), new(2, 6, 8, 4)];

    [Test]
    public void ForwardAndBackwardMatchReference([ValueSource(nameof(Shapes))] Shape shape, [Values(0f, 0.3f)] float p)
    {
        var (B, T, H, heads) = shape;
        var qkv = DeviceArrays.Random(B * T * 3 * H, scale: 2);
        var lens = Enumerable.Range(0, B).Select(b => b == 0 ? T : 1 + TestContext.CurrentContext.Random.Next(T)).ToArray();
        var doutput = DeviceArrays.Random(B * T * H);
        var dropout = Dropout.For(p, seed: 11, step: 2, site: 5);
        var reference = new AttentionReference(qkv, lens, B, T, H, heads, dropout);

        var output = Backend.Poisoned(B * T * H);
        var probs = Backend.Poisoned(B * heads * T * T);
        var dqkv = Backend.Poisoned(B * T * 3 * H);
        var qkvView = Backend.Upload(qkv);
        var lensView = Backend.Upload(lens);
        Backend.AttentionForward(output, probs, qkvView, lensView, B, T, H, heads, dropout);
        Backend.AttentionBackward(dqkv, Backend.Upload(doutput), qkvView, probs, lensView, B, T, H, heads, dropout);

        var expectedProbs = reference.Probs();
        DeviceArrays.AssertClose(Backend.Read(probs), expectedProbs, "probs");
        DeviceArrays.AssertClose(Backend.Read(output), reference.Output(expectedProbs), "output");
        DeviceArrays.AssertClose(Backend.Read(dqkv), reference.Backward(expectedProbs, doutput), "dqkv");
    }
}
