using BertNative.Model.Training;

namespace BertNative.Tests.Training;

public class LossPlotTests
{
    private static readonly StepResult[] Steps = [new(1, 1, 9f, 0.7f, 0.1, 8), new(2, 1, 8f, 0.69f, 0.1, 8)];

    [Test]
    public void ALongTitleIsSplitAndSqueezedIntoTheFigure()
    {
        string device = "ilgpu (NVIDIA H200 NVL, compute capability 9.0, 143,771 MB, driver 13.0, through ILGPU's PTX backend; our CUDA library missing)";
        string svg = LossPlot.Svg(Steps, $"BERT pretraining on WikiText-2\n{device}");
        var titleLines = svg.Split('\n').Where(l => l.Contains("text-anchor=\"middle\"") && (l.Contains("BERT pretraining") || l.Contains("H200"))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(titleLines, Has.Count.EqualTo(2), "one line per title line");
            Assert.That(titleLines[1], Does.Contain("textLength=\"620\""), "the long device line is fitted to the figure's width");
            Assert.That(titleLines[0], Does.Not.Contain("textLength"), "a short line keeps its natural width");
        });
    }

    [Test]
    public void EvaluationsAreDrawnAsPoints()
    {
        var evaluation = new EvaluationResult("valid", 100, 7.5, 0.05, 0.69, 0.5, 1.0);
        string svg = LossPlot.Svg(Steps, "t", [(2, evaluation)]);
        Assert.That(svg.Split("<circle").Length - 1, Is.EqualTo(3), "MLM and NSP points, and the legend's");
        Assert.That(LossPlot.Svg(Steps, "t"), Does.Not.Contain("<circle"));
    }
}
