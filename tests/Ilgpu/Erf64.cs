namespace BertNative.Tests.Ilgpu;

/// <summary>erf in double for the GELU references (.NET has none): its Maclaurin series, accurate to ~1e-13 for |x| &lt;= 3.</summary>
internal static class Erf64
{
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 3) throw new ArgumentOutOfRangeException(nameof(x), "the series is only used for |x| <= 3");
        double term = x, sum = x;
        for (int n = 1; n < 100 && Math.Abs(term) > 1e-18; n++)
        {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    public static double NormalCdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    public static double Gelu(double x) => x * NormalCdf(x);

    public static double GeluDerivative(double x) => NormalCdf(x) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
}
