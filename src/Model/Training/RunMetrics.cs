using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertNative.Model.Training;

/// <summary>metrics.jsonl: one object per training step ({"step", "epoch", "mlm", "nsp", "seconds", "pairs", "lr"[, "grad_norm"]})
/// and one per evaluation ({"step", "split", "mlm_loss", "perplexity", "mlm_accuracy", "nsp_loss", "nsp_accuracy", "examples", "seconds"}).</summary>
public static class RunMetrics
{
    public static string StepLine(StepResult s)
    {
        var o = new JsonObject { ["step"] = s.Step, ["epoch"] = s.Epoch, ["mlm"] = s.Mlm, ["nsp"] = s.Nsp, ["seconds"] = s.Seconds, ["pairs"] = s.Pairs, ["lr"] = s.LearningRate };
        if (float.IsFinite(s.GradientNorm)) o["grad_norm"] = s.GradientNorm;
        return o.ToJsonString();
    }

    public static string EvaluationLine(int step, EvaluationResult e) => new JsonObject
    {
        ["step"] = step, ["split"] = e.Split, ["mlm_loss"] = e.MlmLoss, ["perplexity"] = e.Perplexity, ["mlm_accuracy"] = e.MlmAccuracy,
        ["nsp_loss"] = e.NspLoss, ["nsp_accuracy"] = e.NspAccuracy, ["examples"] = e.Examples, ["seconds"] = e.Seconds,
    }.ToJsonString();

    /// <summary>The steps and evaluations of a metrics file up to <paramref name="lastStep"/> (what a resumed run keeps).</summary>
    public static (List<StepResult> Steps, List<(int Step, EvaluationResult Result)> Evaluations) Read(string path, int lastStep)
    {
        var steps = new List<StepResult>();
        var evaluations = new List<(int, EvaluationResult)>();
        if (!File.Exists(path)) return (steps, evaluations);
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try { node = JsonNode.Parse(line); } catch (JsonException) { continue; } // a line cut by a crash
            if (node is not JsonObject o || o["step"]?.GetValue<int>() is not int step || step > lastStep) continue;
            if (o["split"] is { } split)
                evaluations.Add((step, new EvaluationResult(split.GetValue<string>(), Int(o, "examples"), D(o, "mlm_loss"), D(o, "mlm_accuracy"), D(o, "nsp_loss"), D(o, "nsp_accuracy"), D(o, "seconds"))));
            else
                steps.Add(new StepResult(step, Int(o, "epoch"), (float)D(o, "mlm"), (float)D(o, "nsp"), D(o, "seconds"), Int(o, "pairs"),
                    o["lr"] is { } lr ? (float)lr.GetValue<double>() : float.NaN, o["grad_norm"] is { } g ? (float)g.GetValue<double>() : float.NaN));
        }
        return (steps, evaluations);
    }

    private static double D(JsonObject o, string key) => o[key]?.GetValue<double>() ?? double.NaN;
    private static int Int(JsonObject o, string key) => o[key]?.GetValue<int>() ?? 0;

    public static string Format(EvaluationResult e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Split}: MLM loss {e.MlmLoss:F3} (perplexity {e.Perplexity:F1}, accuracy {e.MlmAccuracy:P1}), NSP loss {e.NspLoss:F3} (accuracy {e.NspAccuracy:P1}); {e.Examples:N0} examples in {e.Seconds:F1} s");
}
