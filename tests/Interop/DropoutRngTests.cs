using BertNative.Contract;

namespace BertNative.Tests.Interop;

public class DropoutRngTests
{
    [Test]
    public void KeepRateMatchesP()
    {
        var d = Dropout.For(0.2f, seed: 42, step: 3, site: 1);
        int kept = 0, n = 200_000;
        for (int i = 0; i < n; i++) if (DropoutRng.Keep(d, i)) kept++;
        Assert.That(kept / (double)n, Is.EqualTo(0.8).Within(0.005));
    }

    [Test]
    public void SitesAndStepsGiveDifferentMasks()
    {
        var a = Dropout.For(0.5f, 1, 0, 0);
        var b = Dropout.For(0.5f, 1, 0, 1);
        var c = Dropout.For(0.5f, 1, 1, 0);
        int ab = 0, ac = 0;
        for (int i = 0; i < 10_000; i++)
        {
            if (DropoutRng.Keep(a, i) == DropoutRng.Keep(b, i)) ab++;
            if (DropoutRng.Keep(a, i) == DropoutRng.Keep(c, i)) ac++;
        }
        Assert.That(ab, Is.InRange(4_700, 5_300));
        Assert.That(ac, Is.InRange(4_700, 5_300));
    }

    [Test]
    public void NoneIsInactive() => Assert.That(Dropout.None.IsActive, Is.False);
}
