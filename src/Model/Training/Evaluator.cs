using System.Diagnostics;
using BertNative.Model.Data;

namespace BertNative.Model.Training;

/// <summary>Sums over evaluated batches: losses and top-1 hits of the real MLM slots and of the NSP labels.</summary>
public sealed class EvaluationCounts
{
    public long MlmSlots, MlmCorrect, NspExamples, NspCorrect;
    public double MlmLossSum, NspLossSum;

    public void Add(EvaluationCounts o)
    {
        MlmSlots += o.MlmSlots; MlmCorrect += o.MlmCorrect; NspExamples += o.NspExamples; NspCorrect += o.NspCorrect;
        MlmLossSum += o.MlmLossSum; NspLossSum += o.NspLossSum;
    }
}

/// <summary>Held-out quality: MLM loss (mean over real slots), its perplexity and top-1 accuracy; NSP loss and accuracy.</summary>
public sealed record EvaluationResult(string Split, int Examples, double MlmLoss, double MlmAccuracy, double NspLoss, double NspAccuracy, double Seconds)
{
    public double Perplexity => Math.Exp(MlmLoss);
    public double ExamplesPerSecond => Examples / Seconds;
}

/// <summary>Evaluates a model in inference mode (no dropout) on every example once, in order, with the intended
/// (weighted) MLM loss whatever loss the run trains with. The model's training state is left as it was.</summary>
public static class Evaluator
{
    /// <summary>The seed of the evaluation examples' NSP pairs and masks: fixed, so every evaluation sees the same examples.</summary>
    public const ulong ExampleSeed = 0xE7A1;

    /// <summary>Builds evaluation examples from a text file with the training vocabulary, as training builds its own.</summary>
    public static PretrainingExamples Examples(string textFile, Vocabulary vocabulary, int maxLen, Action<string>? warn = null) =>
        Examples(Corpus.Read(textFile, vocabulary), textFile, maxLen, warn);

    /// <summary>Examples of a parsed text; <paramref name="warn"/> hears when most of its words are not in the vocabulary.</summary>
    public static PretrainingExamples Examples(Corpus corpus, string source, int maxLen, Action<string>? warn = null)
    {
        if (corpus.UnknownShare > MostlyUnknown)
            warn?.Invoke($"warning: {corpus.UnknownShare * 100:F0}% of the words of {source} are not in the model's vocabulary (fed as <unk>): " +
                         "the numbers say little about this text; evaluate on text like the training text");
        return ExampleBuilder.Build(corpus, maxLen, ExampleSeed);
    }

    /// <summary>Above this share of &lt;unk&gt; tokens an evaluation text is mostly unseen words.</summary>
    public const double MostlyUnknown = 0.5;

    public static EvaluationResult Evaluate(BertModel model, PretrainingExamples examples, string split)
    {
        if (examples.Count == 0) throw new BertNative.Contract.BertNativeException($"the {split} text gives no examples at --max-len {examples.MaxLen}; evaluate on more text");
        var clock = Stopwatch.StartNew();
        var batch = new Batch(Math.Min(model.Capacity, examples.Count), examples.MaxLen, examples.PredictionSlots);
        var total = new EvaluationCounts();
        var indices = new int[batch.Capacity];
        for (int start = 0; start < examples.Count; start += batch.Capacity)
        {
            int size = Math.Min(batch.Capacity, examples.Count - start);
            for (int i = 0; i < size; i++) indices[i] = start + i;
            batch.Fill(examples, indices.AsSpan(0, size));
            model.LoadBatch(batch, BatchShare.Whole(batch), LossMode.Intended);
            model.ForwardEncoder(training: false);
            model.ForwardHeads(withGradients: false);
            total.Add(model.ReadPredictionQuality());
        }
        return new EvaluationResult(split, examples.Count, total.MlmLossSum / Math.Max(1, total.MlmSlots), (double)total.MlmCorrect / Math.Max(1, total.MlmSlots),
            total.NspLossSum / total.NspExamples, (double)total.NspCorrect / total.NspExamples, clock.Elapsed.TotalSeconds);
    }
}
