namespace BertNative.Tests.Ops;

/// <summary>Norm-relative comparison of a float32 result with its float64 reference. NaN never passes.</summary>
public static class ParityAssert
{
    /// <param name="normFloor">The smallest norm the error is measured against: for results that can be nearly zero
    /// for some inputs (an activation's derivative at its turning point) though their inputs are not.</param>
    public static void Close(string what, double[] expected, double[] actual, double tolerance, double normFloor = 1e-30)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        int firstBad = Array.FindIndex(actual, v => !double.IsFinite(v));
        Assert.That(firstBad, Is.EqualTo(-1), () => $"{what}: element {firstBad} is {actual[firstBad]} (unwritten or overflowed)");
        double diff = 0, norm = 0;
        int worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
            if (Math.Abs(d) > Math.Abs(actual[worst] - expected[worst])) worst = i;
        }
        double relative = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), normFloor);
        Assert.That(relative, Is.LessThanOrEqualTo(tolerance),
            () => $"{what}: relative error {relative:E2}; worst element {worst}: {actual[worst]:R} vs {expected[worst]:R}");
    }
}
