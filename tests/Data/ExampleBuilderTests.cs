using BertNative.Model.Data;
using BertNative.Tests.Support;

namespace BertNative.Tests.Data;

public class ExampleBuilderTests
{
    private Corpus _train = null!;
    private PretrainingExamples _examples = null!;

    [OneTimeSetUp]
    public void BuildTrainExamples()
    {
        _train = Corpus.Read(TestData.TrainFile);
        _examples = ExampleBuilder.Build(_train, maxLen: 64, seed: 7);
    }

    [Test]
    public void EveryExampleIsWellFormed()
    {
        Assert.That(_examples.PredictionSlots, Is.EqualTo(10));
        var sentences = SentenceSet(_train);
        var followers = FollowerSet(_train);
        var problems = new List<string>();
        for (int i = 0; i < _examples.Count && problems.Count < 10; i++)
            if (ProblemWith(_examples, i, sentences, followers) is { } problem) problems.Add($"example {i}: {problem}");
        Assert.That(problems, Is.Empty);
    }

    /// <summary>What is wrong with example i, or null. Plain checks: an NUnit assertion per token would take minutes.</summary>
    private static string? ProblemWith(PretrainingExamples e, int i, HashSet<string> sentences, HashSet<string> followers)
    {
        int T = e.MaxLen, P = e.PredictionSlots;
        var tokens = e.TokenIds.AsSpan(i * T, T).ToArray();
        var segments = e.Segments.AsSpan(i * T, T);
        int len = e.ValidLens[i];
        if (len < 3 || len > T) return $"valid_len {len}";
        int bStart = segments.IndexOf(1);
        if (bStart < 2) return "b has no segment-1 tokens";
        int aLen = bStart - 2;
        for (int t = 0; t < T; t++)
        {
            int expectedSegment = t >= bStart && t < len ? 1 : 0;
            if (segments[t] != expectedSegment) return $"segment {segments[t]} at {t}";
            if (t >= len && tokens[t] != Vocabulary.PadId) return $"token {tokens[t]} in the padding at {t}";
        }
        if (tokens[0] != Vocabulary.ClsId || tokens[1 + aLen] != Vocabulary.SepId || tokens[len - 1] != Vocabulary.SepId)
            return "specials are not at <cls> a <sep> b <sep>";

        // Prediction slots: real ones first, sorted, inside valid_len, never a special position.
        var original = (int[])tokens.Clone();
        int real = 0;
        for (int k = 0; k < P; k++)
        {
            int pos = e.PredPositions[i * P + k], label = e.MlmLabels[i * P + k];
            float w = e.MlmWeights[i * P + k];
            if (w == 0f)
            {
                if (pos != 0 || label != 0) return $"padding slot {k} holds position {pos}, label {label}";
                continue;
            }
            if (w != 1f || k != real) return $"slot {k} has weight {w} after {real} real slots";
            if (pos < 1 || pos > len - 2 || pos == 1 + aLen) return $"slot {k} predicts position {pos}";
            if (k > 0 && pos <= e.PredPositions[i * P + k - 1]) return "positions are not sorted";
            original[pos] = label;
            real++;
        }
        int expected = Math.Min(Math.Max(1, (int)Math.Round(0.15 * len, MidpointRounding.ToEven)), len - 3);
        if (real != expected) return $"{real} predictions for length {len}, expected {expected}";

        // Labels are the original tokens: putting them back gives real corpus sentences.
        string a = Key(original.AsSpan(1, aLen)), b = Key(original.AsSpan(bStart, len - 1 - bStart));
        if (!sentences.Contains(a) || !sentences.Contains(b)) return "a or b with its labels restored is not a corpus sentence";
        if (e.NspLabels[i] == 1 && !followers.Contains(a + "|" + b)) return "is_next = 1 but b does not follow a";
        if (e.NspLabels[i] is not (0 or 1)) return $"nsp label {e.NspLabels[i]}";
        return null;
    }

    /// <summary>The numbers of the book's own pipeline (bench/reference/book_data_stats.py, 5 seeds): ours must be
    /// within 5 of its standard deviations, which says the two pipelines draw from the same distribution.</summary>
    [Test]
    public void StatisticsMatchTheBooksPipeline()
    {
        string path = Path.Combine(TestData.RepositoryRoot!, "bench", "reference", "book_data_stats.json");
        var book = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)).RootElement;
        var ours = DatasetStatistics.Of(_train, _examples, 0, 0);
        void Near(string key, double actual)
        {
            var reference = book.GetProperty(key);
            double mean = reference.GetProperty("mean").GetDouble(), std = reference.GetProperty("std").GetDouble();
            Assert.That(actual, Is.EqualTo(mean).Within(5 * std), key);
        }
        Assert.Multiple(() =>
        {
            Assert.That(ours.Paragraphs, Is.EqualTo(book.GetProperty("paragraphs").GetInt32()));
            Assert.That(ours.Sentences, Is.EqualTo(book.GetProperty("sentences").GetInt32()));
            Assert.That(ours.VocabSize, Is.EqualTo(book.GetProperty("vocab_size").GetInt32()));
            Near("examples", ours.Examples);
            Near("nsp_positive_fraction", ours.NspPositiveFraction);
            Near("mean_valid_len", ours.MeanValidLen);
            Near("mean_mlm_predictions", ours.MeanMlmPredictions);
            Near("padding_slot_fraction", ours.PaddingSlotFraction);
        });
    }

    [Test]
    public void MaskingFollowsThe80_10_10Rule()
    {
        var e = _examples;
        int P = e.PredictionSlots, T = e.MaxLen;
        long masked = 0, kept = 0, replaced = 0;
        for (int i = 0; i < e.Count; i++)
            for (int k = 0; k < P; k++)
            {
                if (e.MlmWeights[i * P + k] == 0f) continue;
                int token = e.TokenIds[i * T + e.PredPositions[i * P + k]];
                if (token == Vocabulary.MaskId) masked++;
                else if (token == e.MlmLabels[i * P + k]) kept++;
                else replaced++;
            }
        double n = masked + kept + replaced;
        double tolerance = 5 * Math.Sqrt(0.25 / n);
        Assert.Multiple(() =>
        {
            Assert.That(masked / n, Is.EqualTo(0.8).Within(tolerance));
            Assert.That(kept / n, Is.EqualTo(0.1).Within(tolerance));
            Assert.That(replaced / n, Is.EqualTo(0.1).Within(tolerance));
        });
    }

    [Test]
    public void NextSentenceIsKeptHalfTheTimeWhenNothingIsDropped()
    {
        var corpus = Corpus.Read(TestData.ValidFile);
        int longest = Enumerable.Range(0, corpus.SentenceCount).Max(corpus.SentenceLength);
        int maxLen = 2 * longest + 3;  // no pair can be dropped
        var e = ExampleBuilder.Build(corpus, maxLen, seed: 11);
        Assert.That(e.Count, Is.EqualTo(corpus.SentenceCount - corpus.ParagraphCount), "every adjacent pair gives an example");
        double positive = e.NspLabels.Average();
        Assert.That(positive, Is.EqualTo(0.5).Within(5 * Math.Sqrt(0.25 / e.Count)));
    }

    [Test]
    public void LongPairsAreDroppedNotTruncated()
    {
        var corpus = Corpus.Read(TestData.ValidFile);
        var e = ExampleBuilder.Build(corpus, maxLen: 16, seed: 3);
        Assert.That(e.Count, Is.GreaterThan(0));
        Assert.That(e.ValidLens.Max(), Is.LessThanOrEqualTo(16));
        Assert.That(e.PredictionSlots, Is.EqualTo(2), "round(0.15 * 16) = round(2.4)");
    }

    [Test]
    public void SameSeedSameExamplesOtherSeedOtherExamples()
    {
        var corpus = Corpus.Read(TestData.ValidFile);
        var a = ExampleBuilder.Build(corpus, 64, seed: 5);
        var b = ExampleBuilder.Build(corpus, 64, seed: 5);
        var c = ExampleBuilder.Build(corpus, 64, seed: 6);
        Assert.Multiple(() =>
        {
            Assert.That(b.TokenIds, Is.EqualTo(a.TokenIds));
            Assert.That(b.PredPositions, Is.EqualTo(a.PredPositions));
            Assert.That(b.MlmLabels, Is.EqualTo(a.MlmLabels));
            Assert.That(b.NspLabels, Is.EqualTo(a.NspLabels));
            Assert.That(c.TokenIds, Is.Not.EqualTo(a.TokenIds));
        });
    }

    [TestCase(64, 10)]
    [TestCase(128, 19)]
    [TestCase(512, 77)]
    [TestCase(30, 4)]  // 0.15 * 30 = 4.5 rounds half to even
    public void PredictionSlotsAreRoundedHalfToEven(int maxLen, int slots) =>
        Assert.That(PretrainingExamples.PredictionSlotsFor(maxLen), Is.EqualTo(slots));

    [Test]
    public void TooShortMaxLenIsRejected() =>
        Assert.Throws<BertNative.Contract.BertNativeException>(() => ExampleBuilder.Build(Corpus.Parse(" a . b . "), 4, 1));

    private static string Key(ReadOnlySpan<int> ids) => string.Join(',', ids.ToArray());

    private static HashSet<string> SentenceSet(Corpus c) => [.. Enumerable.Range(0, c.SentenceCount).Select(s => Key(c.Sentence(s)))];

    private static HashSet<string> FollowerSet(Corpus c)
    {
        var set = new HashSet<string>();
        for (int p = 0; p < c.ParagraphCount; p++)
            for (int s = c.ParagraphStarts[p]; s < c.ParagraphStarts[p + 1] - 1; s++)
                set.Add(Key(c.Sentence(s)) + "|" + Key(c.Sentence(s + 1)));
        return set;
    }
}
