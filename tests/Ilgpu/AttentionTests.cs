using BertNative.Ilgpu;
using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ilgpu;

public sealed class AttentionTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    public readonly record struct Shape(int B, int T, int H, int Heads);

    // One query; head size 3 off the tile grid; T = 6 spanning two tiles of the CPU accelerator;
    // T = 19 longer than its 16-thread softmax group.
    private static readonly Shape[] Shapes = [new(1, 1, 2, 1), new(2, 5, 6, 2), new(2, 6, 8, 4), new(2, 19, 4, 2)];

    [Test]
    public void ForwardAndBackwardMatchReference([ValueSource(nameof(Shapes))] Shape shape, [Values(0f, 0.3f)] float p)
    {
        var (B, T, H, heads) = shape;
        using var o = Session();
        var dropout = Dropout.For(p, seed: 11, step: 2, site: 5);
        int[] lens = [.. Enumerable.Range(0, B).Select(b => b == 0 ? T : 1 + o.Random.Next(T))];
        double[] qkv = o.Floats(B * T * 3 * H, 2), doutput = o.Floats(B * T * H);
        double[] output = new double[B * T * H], probs = new double[B * heads * T * T], dqkv = new double[qkv.Length];
        ReferenceOps.AttentionForward(output, probs, qkv, lens, B, T, H, heads, dropout);
        ReferenceOps.AttentionBackward(dqkv, doutput, qkv, probs, lens, B, T, H, heads, dropout);

        var outputView = o.Poisoned(output.Length);
        var probsView = o.Poisoned(probs.Length);
        var dqkvView = o.Poisoned(dqkv.Length);
        var qkvView = o.Upload(qkv);
        var lensView = o.Upload(lens);
        Backend.AttentionForward(outputView, probsView, qkvView, lensView, B, T, H, heads, dropout);
        Backend.AttentionBackward(dqkvView, o.Upload(doutput), qkvView, probsView, lensView, B, T, H, heads, dropout);
        o.Check("probs", probs, probsView);
        o.Check("output", output, outputView);
        o.Check("dqkv", dqkv, dqkvView);
    }
}
