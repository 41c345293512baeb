using System.Globalization;
using BertNative.Model;

namespace BertNative.Tests.Support;

/// <summary>The loss bands of the book's 50-step run, from bench/book-loss-bands.tsv (the GPU script reads the same file).</summary>
public static class BookLossBands
{
    public static (double MlmLow, double MlmHigh, double NspLow, double NspHigh) For(LossMode mode)
    {
        string name = mode == LossMode.BookPyTorch ? "book-pytorch" : "intended";
        string path = Path.Combine(TestData.RepositoryRoot!, "bench", "book-loss-bands.tsv");
        foreach (string line in File.ReadLines(path))
        {
            string[] f = line.Split('\t');
            if (f[0] != name) continue;
            double At(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
            return (At(1), At(2), At(3), At(4));
        }
        throw new InvalidDataException($"{path} has no '{name}' row");
    }
}
