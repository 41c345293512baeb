using BertNative.Model;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>bench/book-loss-bands.tsv has a sane band for each loss mode (the GPU test and script read it).</summary>
public class BookLossBandsTests
{
    [TestCase(LossMode.Intended, 7.303, 0.820)]     // the book's MXNet result
    [TestCase(LossMode.BookPyTorch, 5.232, 0.764)]  // the book's PyTorch result
    public void EachModeHasABandAroundTheBooksResult(LossMode mode, double bookMlm, double bookNsp)
    {
        var (mlmLow, mlmHigh, nspLow, nspHigh) = BookLossBands.For(mode);
        Assert.Multiple(() =>
        {
            Assert.That(bookMlm, Is.InRange(mlmLow, mlmHigh));
            Assert.That(bookNsp, Is.InRange(nspLow, nspHigh));
        });
    }
}
