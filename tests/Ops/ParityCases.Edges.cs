using BertNative.Contract;
using BertNative.Tests.Support;

namespace BertNative.Tests.Ops;

// Edges of the contract: empty shapes, and non-finite values it must not spread.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Edges()
    {
        yield return new("Zero-sized ops are no-ops and an empty sum is 0", ShapeSet.Small, ZeroSizedOps);
        yield return new("Dropped elements are +0 whatever their value", ShapeSet.Small, o => NonFiniteChecks.DroppedElementsAreZeroWhateverTheirValue(o.Backend));
        yield return new("NaN in padded rows cannot reach attention", ShapeSet.Small, o => NonFiniteChecks.PaddedRowsCannotPoisonAttention(o.Backend));
    }

    /// <summary>Nothing is launched for an empty shape (ILGPU rejects empty grids), and an empty sum is still written.
    /// Views a zero dimension leaves sized (weights, gains, tables) hold their elements.</summary>
    private static void ZeroSizedOps(OpSession o)
    {
        var b = o.Backend;
        var empty = o.Poisoned(1).Slice(0, 0);
        var emptyInts = o.Upload([0]).Slice(0, 0);
        FloatView Sized(int n) => o.Upload(o.Floats(n));
        b.ActivationForward(Activation.Gelu, empty, empty, 0);
        b.ActivationBackward(Activation.Tanh, empty, empty, empty, empty, 0);
        b.DropoutForward(empty, empty, 0, Dropout.For(0.5f, 1, 2, 3));
        b.AdamStep(empty, empty, empty, empty, 0, new AdamSettings(1e-3f), 1);
        b.MatmulForward(empty, empty, Sized(3 * 2), null, 0, 3, 2);
        b.MatmulBackward(empty, false, empty, empty, empty, empty, empty, 0, 0, 0);
        b.LayerNormForward(empty, empty, empty, empty, Sized(4), Sized(4), 0, 4, 1e-5f);
        b.LayerNormBackward(empty, empty, empty, empty, empty, empty, empty, empty, 0, 0);
        b.EmbeddingForward(empty, emptyInts, emptyInts, Sized(2), Sized(2 * 2), Sized(3 * 2), 0, 3, 2);
        b.GatherForward(empty, empty, emptyInts, 0, 3, 2, 2);
        b.SoftmaxCrossEntropy(empty, null, empty, emptyInts, null, 1f, 0, 5);
        var sum = o.Poisoned(1);
        b.WeightedSum(sum, empty, null, 0);
        Assert.That(o.Download(sum), Is.EqualTo(new[] { 0.0 }));
    }
}
