namespace BertNative.Tests.Reference;

/// <summary>Central finite differences along a random direction, compared with the analytic gradient's dot product.</summary>
public static class GradientCheck
{
    private const double Step = 1e-6;
    private const double Tolerance = 1e-6;

    /// <summary>
    /// Checks that d/de loss(x + e u) at e = 0 equals gradient . u for a random unit-scale u. <paramref name="loss"/>
    /// reads <paramref name="x"/> in place; x is restored afterwards.
    /// </summary>
    public static void Directional(string name, double[] x, double[] gradient, Func<double> loss, Random random)
    {
        Assert.That(gradient, Has.Length.EqualTo(x.Length), name);
        var direction = new double[x.Length];
        for (int i = 0; i < x.Length; i++) direction[i] = random.NextDouble() * 2 - 1;
        var saved = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++) x[i] = saved[i] + Step * direction[i];
        double plus = loss();
        for (int i = 0; i < x.Length; i++) x[i] = saved[i] - Step * direction[i];
        double minus = loss();
        Array.Copy(saved, x, x.Length);
        double numeric = (plus - minus) / (2 * Step);
        double analytic = 0;
        for (int i = 0; i < x.Length; i++) analytic += gradient[i] * direction[i];
        double scale = Math.Max(1e-3, Math.Abs(analytic));
        Assert.That(Math.Abs(numeric - analytic) / scale, Is.LessThan(Tolerance),
            $"{name}: finite difference {numeric:R} vs analytic {analytic:R}");
    }

    public static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    public static double[] Random(Random random, int n, double scale = 1)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
