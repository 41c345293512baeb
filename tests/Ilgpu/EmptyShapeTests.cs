using BertNative.Ilgpu;
using BertNative.Contract;

namespace BertNative.Tests.Ilgpu;

/// <summary>Zero-sized ops launch nothing (ILGPU rejects empty grids), and an empty sum is still written: 0.</summary>
public sealed class EmptyShapeTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void ZeroSizedOpsAreNoOps()
    {
        using var o = Session();
        var empty = o.Poisoned(1).Slice(0, 0);
        var emptyInts = o.Upload([0]).Slice(0, 0);
        Backend.ActivationForward(Activation.Gelu, empty, empty, 0);
        Backend.ActivationBackward(Activation.Tanh, empty, empty, empty, empty, 0);
        Backend.DropoutForward(empty, empty, 0, Dropout.For(0.5f, 1, 2, 3));
        Backend.AdamStep(empty, empty, empty, empty, 0, new AdamSettings(1e-3f), 1);
        Backend.MatmulForward(empty, empty, empty, null, 0, 3, 2);
        Backend.MatmulBackward(empty, false, empty, empty, empty, empty, empty, 0, 0, 0);
        Backend.LayerNormForward(empty, empty, empty, empty, empty, empty, 0, 4, 1e-5f);
        Backend.LayerNormBackward(empty, empty, empty, empty, empty, empty, empty, empty, 0, 0);
        Backend.EmbeddingForward(empty, emptyInts, emptyInts, empty, empty, empty, 0, 3, 2);
        Backend.GatherForward(empty, empty, emptyInts, 0, 3, 2, 2);
        Backend.SoftmaxCrossEntropy(empty, null, empty, emptyInts, null, 1f, 0, 5);

        var sum = o.Poisoned(1);
        Backend.WeightedSum(sum, empty, null, 0);
        Assert.That(o.Download(sum), Is.EqualTo(new[] { 0.0 }));
    }
}
