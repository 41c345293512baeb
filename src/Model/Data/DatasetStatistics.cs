
namespace BertNative.Model.Data;

/// <summary>What a user wants to know about a built dataset (the `data` command prints it).</summary>
public sealed record DatasetStatistics(
    int Paragraphs,
    int Sentences,
    long Tokens,
    int VocabSize,
    int MaxLen,
    int PredictionSlots,
    ulong Seed,
    int Examples,
    double NspPositiveFraction,
    double MeanValidLen,
    double MeanMlmPredictions,
    double PaddingSlotFraction,
    double ReadSeconds,
    double BuildSeconds)
{
    public static DatasetStatistics Of(Corpus corpus, PretrainingExamples examples, double readSeconds, double buildSeconds)
    {
        int n = examples.Count;
        double realSlots = examples.MlmWeights.Sum(w => (double)w);
        return new DatasetStatistics(
            corpus.ParagraphCount, corpus.SentenceCount, corpus.Tokens.LongLength, corpus.Vocabulary.Count,
            examples.MaxLen, examples.PredictionSlots, examples.Seed, n,
            n == 0 ? 0 : examples.NspLabels.Average(),
            n == 0 ? 0 : examples.ValidLens.Average(),
            n == 0 ? 0 : realSlots / n,
            n == 0 ? 0 : 1 - realSlots / ((double)n * examples.PredictionSlots),
            readSeconds, buildSeconds);
    }
}
