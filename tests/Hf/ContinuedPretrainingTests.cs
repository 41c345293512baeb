using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;
using BertNative.Tests.Cli;
using BertNative.Tests.Model;

namespace BertNative.Tests.Hf;

/// <summary>pretrain --init on a WordPiece checkpoint: words split into pieces, whole-word masking, the vocabulary kept.</summary>
public class ContinuedPretrainingTests
{
    private string _dir = "";
    private string _corpus = "";

    /// <summary>Specials, then single letters and their "##" continuations: every word of more than one letter is several pieces.</summary>
    private static Vocabulary Letters() => new(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. "abcdefghijklmnopqrstuvwxyz".Select(c => c.ToString()), .. "abcdefghijklmnopqrstuvwxyz".Select(c => "##" + c)],
        TokenizerSettings.WordPiece(lowerCase: true));

    [SetUp]
    public void MakeFolder()
    {
        _dir = Directory.CreateTempSubdirectory("bn-init-").FullName;
        _corpus = Path.Combine(_dir, "corpus.txt");
        var rng = new SeededRandom(4);
        string Word() => new([.. Enumerable.Range(0, 1 + rng.NextInt(4)).Select(_ => (char)('a' + rng.NextInt(26)))]);
        File.WriteAllLines(_corpus, Enumerable.Range(0, 60).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(3)).Select(_ => Word())))) + " . "));
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void MaskingTakesWholeWords()
    {
        var corpus = Corpus.Read(_corpus, Letters());
        Assert.That(corpus.WordStarts, Is.Not.Null);
        Assert.That(corpus.Tokens.Length, Is.GreaterThan(corpus.WordStarts!.Count(s => s)), "words are split into pieces");
        var examples = ExampleBuilder.Build(corpus, maxLen: 40, seed: 3);
        int P = examples.PredictionSlots, wholeWords = 0;
        for (int e = 0; e < examples.Count; e++)
        {
            var predicted = Enumerable.Range(0, P).Where(k => examples.MlmWeights[e * P + k] > 0).Select(k => examples.PredPositions[e * P + k]).ToHashSet();
            Assert.That(predicted, Is.Not.Empty);
            int length = examples.ValidLens[e];
            bool Continues(int p) => p < length && corpus.Vocabulary[Original(examples, e, p)].StartsWith("##", StringComparison.Ordinal);
            foreach (int p in predicted)
                if (Continues(p)) Assert.That(predicted, Does.Contain(p - 1), $"example {e}: a piece is predicted without the piece before it");
            int cut = predicted.Count(p => Continues(p + 1) && !predicted.Contains(p + 1));
            if (cut == 0) { wholeWords++; continue; }
            // Only when the first word drawn alone overflows the budget: then its leading pieces are the only prediction.
            Assert.That(cut == 1 && predicted.All(p => p == predicted.Min() || Continues(p)), $"example {e}: a word is cut beside others");
        }
        Assert.That(wholeWords, Is.GreaterThan(examples.Count / 2), "most examples take only whole words");
    }

    /// <summary>The original token at a position (its label where predicted, else the row's token).</summary>
    private static int Original(PretrainingExamples examples, int e, int position)
    {
        int P = examples.PredictionSlots;
        for (int k = 0; k < P; k++)
            if (examples.MlmWeights[e * P + k] > 0 && examples.PredPositions[e * P + k] == position) return examples.MlmLabels[e * P + k];
        return examples.TokenIds[e * examples.MaxLen + position];
    }

    [Test]
    public void PretrainInitContinuesFromTheCheckpointAndKeepsItsVocabulary()
    {
        var vocabulary = Letters();
        var config = BertConfig.HuggingFace(vocabulary.Count, hidden: 16, ffnHidden: 32, heads: 2, layers: 1, maxPosition: 48);
        string init = Path.Combine(_dir, "init");
        var start = TinyBert.Init(config, seed: 2);
        Checkpoint.Save(init, config, vocabulary, start);
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--init", init, "--corpus", _corpus, "--steps", "2", "--batch", "8", "--max-len", "40",
            "--lr", "0.001", "--seed", "1", "--out", Path.Combine(_dir, "run"));
        Assert.That(code, Is.Zero, err);
        var (after, afterVocabulary, trained) = Checkpoint.Load(Path.Combine(_dir, "run", "checkpoint"));
        Assert.Multiple(() =>
        {
            Assert.That(after, Is.EqualTo(config));
            Assert.That(afterVocabulary.Tokenizer, Is.EqualTo(vocabulary.Tokenizer));
            Assert.That(afterVocabulary.Count, Is.EqualTo(vocabulary.Count));
            double moved = trained.Zip(start, (a, b) => Math.Abs(a - b)).Max();
            Assert.That(moved, Is.GreaterThan(0).And.LessThan(0.01), "two small steps from the starting weights");
        });

        (code, _, err) = CliRunner.Run("pretrain", "--device", "cpu", "--init", init, "--corpus", _corpus, "--hidden", "32", "--out", Path.Combine(_dir, "bad"));
        CliRunner.AssertError(code, err, 2, "--init takes the model's shape from its checkpoint; drop --hidden");
    }
}
