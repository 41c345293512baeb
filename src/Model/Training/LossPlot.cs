using System.Globalization;
using System.Text;

namespace BertNative.Model.Training;

/// <summary>The book's figure: MLM and NSP loss per step, as a self-contained SVG any browser opens; held-out
/// evaluations, when there are any, as marked points of the same colours. The title may have several lines ('\n').</summary>
public static class LossPlot
{
    private const int Width = 640, Height = 400, Left = 60, Right = 20, Bottom = 50, LineHeight = 16;
    private const double CharWidth = 6.5; // a generous average glyph width at 12 px

    public static void WriteSvg(string path, IReadOnlyList<StepResult> steps, string title,
        IReadOnlyList<(int Step, EvaluationResult Result)>? evaluations = null)
    {
        File.WriteAllText(path, Svg(steps, title, evaluations));
    }

    public static string Svg(IReadOnlyList<StepResult> steps, string title, IReadOnlyList<(int Step, EvaluationResult Result)>? evaluations = null)
    {
        if (steps.Count == 0) throw new ArgumentException("nothing to plot");
        evaluations ??= [];
        string[] titleLines = title.Split('\n');
        int top = 14 + LineHeight * titleLines.Length;
        double xMin = steps[0].Step, xMax = Math.Max(steps[^1].Step, xMin + 1);
        double yMax = NiceCeiling(Math.Max(steps.Max(s => Math.Max(s.Mlm, s.Nsp)), evaluations.Select(e => Math.Max(e.Result.MlmLoss, e.Result.NspLoss)).DefaultIfEmpty(0).Max()));
        double X(double step) => Left + (step - xMin) / (xMax - xMin) * (Width - Left - Right);
        double Y(double loss) => top + (1 - loss / yMax) * (Height - top - Bottom);

        var svg = new StringBuilder();
        svg.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">\n"));
        svg.Append(Inv($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        for (int i = 0; i < titleLines.Length; i++)
        {
            // Squeeze a line wider than the figure instead of letting the browser cut it off.
            string fit = titleLines[i].Length * CharWidth > Width - 20 ? Inv($" textLength=\"{Width - 20}\" lengthAdjust=\"spacingAndGlyphs\"") : "";
            svg.Append(Inv($"<text x=\"{Width / 2}\" y=\"{18 + LineHeight * i}\" text-anchor=\"middle\" font-size=\"{(i == 0 ? 14 : 11)}\"{fit}>{Escape(titleLines[i])}</text>\n"));
        }
        for (int i = 0; i <= 5; i++)
        {
            double loss = yMax * i / 5, y = Y(loss);
            svg.Append(Inv($"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#e0e0e0\"/>\n"));
            svg.Append(Inv($"<text x=\"{Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{loss:0.##}</text>\n"));
        }
        foreach (double step in Ticks(xMin, xMax))
        {
            double x = X(step);
            svg.Append(Inv($"<line x1=\"{x:F1}\" y1=\"{Height - Bottom}\" x2=\"{x:F1}\" y2=\"{Height - Bottom + 5}\" stroke=\"black\"/>\n"));
            svg.Append(Inv($"<text x=\"{x:F1}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\">{step:0}</text>\n"));
        }
        svg.Append(Inv($"<polyline fill=\"none\" stroke=\"black\" points=\"{Left},{top} {Left},{Height - Bottom} {Width - Right},{Height - Bottom}\"/>\n"));
        svg.Append(Inv($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 12}\" text-anchor=\"middle\">step</text>\n"));
        svg.Append(Inv($"<text x=\"16\" y=\"{(top + Height - Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {(top + Height - Bottom) / 2})\">loss</text>\n"));
        AppendCurve(svg, steps.Select(s => (X(s.Step), Y(s.Mlm))), "#1f77b4", "");
        AppendCurve(svg, steps.Select(s => (X(s.Step), Y(s.Nsp))), "#ff7f0e", " stroke-dasharray=\"6 4\"");
        foreach (var (step, e) in evaluations)
        {
            svg.Append(Inv($"<circle cx=\"{X(step):F1}\" cy=\"{Y(e.MlmLoss):F1}\" r=\"4\" fill=\"white\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"));
            svg.Append(Inv($"<circle cx=\"{X(step):F1}\" cy=\"{Y(e.NspLoss):F1}\" r=\"4\" fill=\"white\" stroke=\"#ff7f0e\" stroke-width=\"2\"/>\n"));
        }
        int lx = Width - Right - 110, ly = top + 10;
        svg.Append(Inv($"<rect x=\"{lx}\" y=\"{ly}\" width=\"100\" height=\"{(evaluations.Count > 0 ? 62 : 44)}\" fill=\"white\" stroke=\"#999\"/>\n"));
        if (evaluations.Count > 0)
            svg.Append(Inv($"<circle cx=\"{lx + 23}\" cy=\"{ly + 50}\" r=\"4\" fill=\"white\" stroke=\"#555\" stroke-width=\"2\"/><text x=\"{lx + 46}\" y=\"{ly + 54}\">{Escape(evaluations[0].Result.Split)}</text>\n"));
        svg.Append(Inv($"<line x1=\"{lx + 8}\" y1=\"{ly + 14}\" x2=\"{lx + 38}\" y2=\"{ly + 14}\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"{lx + 46}\" y=\"{ly + 18}\">mlm</text>\n"));
        svg.Append(Inv($"<line x1=\"{lx + 8}\" y1=\"{ly + 32}\" x2=\"{lx + 38}\" y2=\"{ly + 32}\" stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/><text x=\"{lx + 46}\" y=\"{ly + 36}\">nsp</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendCurve(StringBuilder svg, IEnumerable<(double X, double Y)> points, string color, string extra)
    {
        string list = string.Join(' ', points.Select(p => Inv($"{p.X:F1},{p.Y:F1}")));
        svg.Append(Inv($"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{extra} points=\"{list}\"/>\n"));
    }

    private static double NiceCeiling(double value)
    {
        if (!(value > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }.Select(m => m * magnitude).First(top => top >= value);
    }

    private static IEnumerable<double> Ticks(double min, double max)
    {
        double span = max - min, raw = span / 8, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(min / step) * step; t <= max + 1e-9; t += step) yield return t;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
