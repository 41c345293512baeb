using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Softmax cross-entropy (the MLM and NSP losses) and the sums.
public static partial class ParityCases
{
    private enum Gradient { None, Separate, InPlace }

    private static IEnumerable<ParityCase> Loss()
    {
        foreach (int C in new[] { 1, 5, 40 })
            foreach (bool weighted in new[] { false, true })
                foreach (var gradient in Enum.GetValues<Gradient>())
                    yield return new($"SoftmaxCrossEntropy{(weighted ? " weighted" : "")} gradient {gradient} N3 C{C}", ShapeSet.Small,
                        o => CrossEntropy(o, 3, C, gradient, weighted, 0.25f));
        yield return new("SoftmaxCrossEntropy in place N7 C33", ShapeSet.Small, o => CrossEntropy(o, 7, 33, Gradient.InPlace, weighted: false, 1f / 7));
        yield return new("SoftmaxCrossEntropy loss only N13 C37", ShapeSet.Medium, o => CrossEntropy(o, 13, 37, Gradient.None, weighted: false));
        yield return new("SoftmaxCrossEntropy N13 C37", ShapeSet.Medium, o => CrossEntropy(o, 13, 37, Gradient.Separate, weighted: false));
        yield return new("SoftmaxCrossEntropy weighted N13 C37", ShapeSet.Medium, o => CrossEntropy(o, 13, 37, Gradient.Separate, weighted: true));
        yield return new("SoftmaxCrossEntropy weighted in place N7 C2", ShapeSet.Medium, o => CrossEntropy(o, 7, 2, Gradient.InPlace, weighted: true));
        yield return new("SoftmaxCrossEntropy in place N6 C3001", ShapeSet.Medium, o => CrossEntropy(o, 6, 3001, Gradient.InPlace, weighted: false));
        // The book's MLM vocabulary and NSP, in place as the trainer calls them.
        yield return new("SoftmaxCrossEntropy weighted in place N1024 C20256", ShapeSet.Large, o => CrossEntropy(o, 1024, 20256, Gradient.InPlace, weighted: true, 1f / 1024));
        yield return new("SoftmaxCrossEntropy weighted in place N512 C2", ShapeSet.Large, o => CrossEntropy(o, 512, 2, Gradient.InPlace, weighted: true, 1f / 512));

        // Both sums into one two-element buffer: the second lands at an offset.
        foreach (int n in new[] { 1, 17, 5000 })
        {
            yield return new($"WeightedSum and SumOfSquares into one buffer n{n}", ShapeSet.Small, o => SumsIntoOneBuffer(o, n, weighted: true));
            yield return new($"WeightedSum unweighted and SumOfSquares into one buffer n{n}", ShapeSet.Small, o => SumsIntoOneBuffer(o, n, weighted: false));
        }
        foreach (var (n, shapes, offset, sumTolerance) in new[] { (1, ShapeSet.Small, 1, 1e-6), (37, ShapeSet.Medium, 0, 1e-6), (200_003, ShapeSet.Medium, 0, 1e-6), (1_000_003, ShapeSet.Large, 1, 1e-5) })
        {
            string at = offset > 0 ? $" offset {offset}" : "";
            yield return new($"WeightedSum{at} n{n}", shapes, At(offset, o => Reduction(o, n, weighted: true, squares: false, sumTolerance)));
            yield return new($"WeightedSum unweighted{at} n{n}", shapes, At(offset, o => Reduction(o, n, weighted: false, squares: false, sumTolerance)));
            yield return new($"SumOfSquares{at} n{n}", shapes, At(offset, o => Reduction(o, n, weighted: false, squares: true, 1e-6)));
        }
    }

    private static void CrossEntropy(OpSession o, int N, int C, Gradient gradient, bool weighted, float gradScale = 0.37f)
    {
        int[] labels = o.Ints(N, C);
        double[] logits = o.Floats(N * C, 5), weights = [.. o.Floats(N).Select(Math.Abs)];
        weights[0] = 0;
        double[] losses = new double[N], dlogits = new double[N * C];
        ReferenceOps.SoftmaxCrossEntropy(losses, gradient == Gradient.None ? null : dlogits, logits, labels, weighted ? weights : null, gradScale, N, C);
        FloatView logitsView = o.Upload(logits), lossView = o.Poisoned(N);
        FloatView? dlogitsView = gradient switch { Gradient.Separate => o.Poisoned(N * C), Gradient.InPlace => logitsView, _ => null };
        o.Backend.SoftmaxCrossEntropy(lossView, dlogitsView, logitsView, o.Upload(labels), weighted ? o.Upload(weights) : null, gradScale, N, C);
        o.Check("losses", losses, lossView);
        if (dlogitsView is { } d) o.Check("dlogits", dlogits, d);
    }

    private static void Reduction(OpSession o, int n, bool weighted, bool squares, double tolerance)
    {
        double[] values = o.Floats(n), weights = o.Floats(n), expected = new double[1];
        if (squares) ReferenceOps.SumOfSquares(expected, values, n);
        else ReferenceOps.WeightedSum(expected, values, weighted ? weights : null, n);
        var result = o.Poisoned(1);
        if (squares) o.Backend.SumOfSquares(result, o.Upload(values), n);
        else o.Backend.WeightedSum(result, o.Upload(values), weighted ? o.Upload(weights) : null, n);
        o.Check("result", expected, result, tolerance);
    }

    private static void SumsIntoOneBuffer(OpSession o, int n, bool weighted)
    {
        double[] values = o.Floats(n), weights = o.Floats(n), sum = new double[1], squares = new double[1];
        ReferenceOps.WeightedSum(sum, values, weighted ? weights : null, n);
        ReferenceOps.SumOfSquares(squares, values, n);
        var result = o.Poisoned(2);
        var valueView = o.Upload(values);
        o.Backend.WeightedSum(result.Slice(0, 1), valueView, weighted ? o.Upload(weights) : null, n);
        o.Backend.SumOfSquares(result.Slice(1, 1), valueView, n);
        o.Check("weighted sum", sum, result.Slice(0, 1));
        o.Check("sum of squares", squares, result.Slice(1, 1));
    }
}
