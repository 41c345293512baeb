using BertNative.Ilgpu;
using BertNative.Tests.Support;

namespace BertNative.Tests.Ilgpu;

/// <summary><see cref="NonFiniteChecks"/> on ILGPU's simulated GPU (and on CUDA through ILGPU, Category GPU).</summary>
public class NonFiniteInputTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void DroppedElementsAreZeroWhateverTheirValue() => NonFiniteChecks.DroppedElementsAreZeroWhateverTheirValue(Backend);

    [Test]
    public void PaddedRowsCannotPoisonAttention() => NonFiniteChecks.PaddedRowsCannotPoisonAttention(Backend);
}
