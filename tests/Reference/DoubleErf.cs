namespace BertNative.Tests.Reference;

/// <summary>
/// erf in double precision (.NET has no Math.Erf), to ~1e-15: erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (2n+1)!!,
/// a series of positive terms (no cancellation) that converges for every x; |x| &gt;= 6 gives +-1 (erfc(6) ~ 2e-17).
/// </summary>
public static class DoubleErf
{
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax >= 6) return Math.CopySign(1.0, x);
        double term = ax, sum = ax;
        for (int n = 1; term > 1e-17 * sum; n++)
        {
            term *= 2 * ax * ax / (2 * n + 1);
            sum += term;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum, x);
    }
}
