using System.Text;
using System.Text.Json;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;
using BertNative.Tests.Support;

namespace BertNative.Tests.Hf;

/// <summary>Our WordPiece on MiniLM's uncased vocabulary: hand-checked cases, and agreement with an independent Python reference.</summary>
public class WordPieceTokenizerTests
{
    private static MiniLm? Model;
    private static Vocabulary Vocabulary = null!;

    [OneTimeSetUp]
    public static void Extract()
    {
        Model = new MiniLm();
        Vocabulary = Vocabulary.Load(Model.VocabPath, TokenizerSettings.WordPiece(lowerCase: true));
    }

    [OneTimeTearDown]
    public static void Remove() => Model?.Dispose();

    /// <summary>Strings where tokenizers commonly differ: accents, CJK, emoji, symbols, a literal special token, odd spaces.</summary>
    public static readonly string[] HardStrings =
    [
        "Hello, world!",
        "The café served crème brûlée to Ångström.",
        "naïve façade résumé Zoë",
        "東京は日本の首都です。",
        "I love pizza 🍕 and 😀!",
        "unbelievably antidisestablishmentarianism",
        "The [MASK] sat on the mat.",
        "e-mail: someone@example.com costs $5.99 (approx.)",
        "Straße ŁÓDŹ İstanbul",
        "한국어 텍스트",
        "tab\tseparated\u00a0nbsp\u200bzero-width",
        "Ελληνικά και русский",
        "xqzvxqzvxqzvblorf",
        "don't won't it's",
        "ﬁnance ℌilbert ½",
    ];

    [TestCase("Hello, world!", "hello , world !")]
    [TestCase("The café served crème brûlée", "the cafe served cr ##eme br ##ule ##e")]
    [TestCase("naïve façade Zoë", "naive facade zoe")]
    [TestCase("I love pizza 🍕!", "i love pizza [UNK] !")]
    [TestCase("The [MASK] sat.", "the [MASK] sat .")]
    [TestCase("the [mask] sat", "the [ mask ] sat")]
    [TestCase("$5.99", "$ 5 . 99")]
    [TestCase("東京", "東 京")]
    [TestCase("a\u200bb\u00a0c", "ab c")]
    public void HandCheckedTokens(string text, string expected)
    {
        var tokenizer = new WordPieceTokenizer(Vocabulary);
        var ids = tokenizer.Ids(text);
        Assert.That(string.Join(' ', ids.Select(i => Vocabulary[i])), Is.EqualTo(expected));
    }

    [Test]
    public void HandCheckedIdsAndSpecialIdsComeFromTheVocabulary()
    {
        var encoded = new WordPieceTokenizer(Vocabulary).Encode("Hello, world!", "The [MASK].", 512);
        Assert.Multiple(() =>
        {
            Assert.That(Vocabulary.Special, Is.EqualTo(new SpecialIds(Unk: 100, Pad: 0, Mask: 103, Cls: 101, Sep: 102)));
            // vocab.txt lines 7592 "hello", 1010 ",", 2088 "world", 999 "!", 1996 "the", 1012 ".".
            Assert.That(encoded.Ids, Is.EqualTo(new[] { 101, 7592, 1010, 2088, 999, 102, 1996, 103, 1012, 102 }));
            Assert.That(encoded.Segments, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }));
            Assert.That(encoded.Truncated, Is.False);
        });
    }

    [Test]
    public void AWordOverAHundredCharactersIsUnknownWhole()
    {
        var tokenizer = new WordPieceTokenizer(Vocabulary);
        Assert.That(tokenizer.Ids(new string('a', 100)), Has.Count.GreaterThan(1));
        Assert.That(tokenizer.Ids(new string('a', 101)), Is.EqualTo(new[] { 100 }));
    }

    [Test]
    public void CasedSettingsKeepCaseAndAccents()
    {
        var cased = new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Café", "café", "cafe"], TokenizerSettings.WordPiece(lowerCase: false));
        var uncased = new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Café", "café", "cafe"], TokenizerSettings.WordPiece(lowerCase: true));
        Assert.That(new WordPieceTokenizer(cased).Ids("Café café"), Is.EqualTo(new[] { 5, 6 }));
        Assert.That(new WordPieceTokenizer(uncased).Ids("Café café"), Is.EqualTo(new[] { 7, 7 }));
    }

    [TestCase(10, 3, 20, 10, 3)]
    [TestCase(10, 30, 20, 10, 10)]
    [TestCase(30, 4, 20, 16, 4)]
    [TestCase(30, 30, 21, 10, 11)]
    [TestCase(30, 0, 20, 20, 0)]
    public void TruncationCutsTheLongerSideFirst(int a, int b, int budget, int keptA, int keptB) =>
        Assert.That(PairBuilderBudget(a, b, budget), Is.EqualTo((keptA, keptB)));

    [Test]
    public void APairLongerThanTheModelIsTruncatedToItsLength()
    {
        var tokenizer = new WordPieceTokenizer(Vocabulary);
        string longText = string.Join(' ', Enumerable.Repeat("the cat sat on the mat", 40));
        var single = tokenizer.Encode(longText, null, 64);
        var pair = tokenizer.Encode(longText, "a short one", 64);
        Assert.Multiple(() =>
        {
            Assert.That(single.Length, Is.EqualTo(64));
            Assert.That(single.Truncated, Is.True);
            Assert.That(single.Ids[^1], Is.EqualTo(102));
            Assert.That(pair.Length, Is.EqualTo(64));
            Assert.That(pair.Segments.Count(s => s == 1), Is.EqualTo(4), "the short sentence (3 tokens and [SEP]) is kept whole");
        });
    }

    [Test]
    public void AgreesWithAnIndependentPythonReference()
    {
        if (ToolPath.Find("python3") is not { } python) { Assert.Inconclusive("python3 is not installed"); return; }
        var lines = HardStrings.Concat(File.ReadLines(TestData.ValidFile).Where(l => l.Trim().Length > 0).Take(300)).ToList();
        string script = Path.Combine(TestData.RepositoryRoot!, "tests", "Hf", "wordpiece_reference.py");
        var info = new System.Diagnostics.ProcessStartInfo(python, [script, Model!.VocabPath])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, StandardOutputEncoding = Encoding.UTF8, StandardInputEncoding = new UTF8Encoding(false),
        };
        info.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdin = Task.Run(() => { foreach (var l in lines) process.StandardInput.WriteLine(JsonSerializer.Serialize(l)); process.StandardInput.Close(); });
        var outputs = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        stdin.Wait();
        process.WaitForExit();
        Assert.That(outputs, Has.Length.EqualTo(lines.Count));
        var tokenizer = new WordPieceTokenizer(Vocabulary);
        int mismatches = 0;
        for (int i = 0; i < lines.Count; i++)
        {
            var expected = JsonDocument.Parse(outputs[i]).RootElement[1].EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var actual = tokenizer.Ids(lines[i]).ToArray();
            if (!actual.SequenceEqual(expected) && mismatches++ < 5)
                TestContext.Out.WriteLine($"{lines[i]}\n  ours   {string.Join(' ', actual.Select(a => Vocabulary[a]))}\n  python {string.Join(' ', expected.Select(a => Vocabulary[a]))}");
        }
        Assert.That(mismatches, Is.Zero, $"of {lines.Count} lines");
    }

    private static (int, int) PairBuilderBudget(int a, int b, int budget) => PairBuilder.Budget(a, b, budget);
}
