using System.Text.Json.Serialization;

namespace BertNative.Model.Data;

/// <summary>What a user wants to know about a built dataset (the `data` command prints it).</summary>
public sealed record DatasetStatistics(
    [property: JsonPropertyName("paragraphs")] int Paragraphs,
    [property: JsonPropertyName("sentences")] int Sentences,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("vocab_size")] int VocabSize,
    [property: JsonPropertyName("max_len")] int MaxLen,
    [property: JsonPropertyName("prediction_slots")] int PredictionSlots,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("examples")] int Examples,
    [property: JsonPropertyName("nsp_positive_fraction")] double NspPositiveFraction,
    [property: JsonPropertyName("mean_valid_len")] double MeanValidLen,
    [property: JsonPropertyName("mean_mlm_predictions")] double MeanMlmPredictions,
    [property: JsonPropertyName("padding_slot_fraction")] double PaddingSlotFraction,
    [property: JsonPropertyName("read_seconds")] double ReadSeconds,
    [property: JsonPropertyName("build_seconds")] double BuildSeconds)
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
