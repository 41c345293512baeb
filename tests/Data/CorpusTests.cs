using BertNative.Model.Data;
using BertNative.Tests.Support;

namespace BertNative.Tests.Data;

public class CorpusTests
{
    [Test]
    public void TrainSplitHasTheBooksParagraphsAndVocabulary()
    {
        var corpus = Corpus.Read(TestData.TrainFile);
        Assert.Multiple(() =>
        {
            Assert.That(corpus.ParagraphCount, Is.EqualTo(15_496));
            Assert.That(corpus.Vocabulary.Count, Is.EqualTo(20_256));
        });
    }

    [Test]
    public void ReservedTokensComeFirstAndFrequentWordsFollowByCount()
    {
        var corpus = Corpus.Read(TestData.ValidFile);
        var v = corpus.Vocabulary;
        Assert.That(Enumerable.Range(0, 5).Select(i => v[i]), Is.EqualTo(new[] { "<unk>", "<pad>", "<mask>", "<cls>", "<sep>" }));
        var counts = new int[v.Count];
        foreach (int id in corpus.Tokens) counts[id]++;
        for (int id = 6; id < v.Count; id++)
        {
            Assert.That(counts[id], Is.LessThanOrEqualTo(counts[id - 1]), $"{v[id]} after {v[id - 1]}");
            Assert.That(counts[id], Is.GreaterThanOrEqualTo(5), v[id]);
            if (counts[id] == counts[id - 1])
                Assert.That(string.CompareOrdinal(v[id - 1], v[id]), Is.LessThan(0), "ties are broken by ordinal order");
        }
    }

    [Test]
    public void LinesAreKeptOnlyWhenTheyHoldASpacedPeriod()
    {
        var corpus = Corpus.Parse(string.Join('\n',
            " = Heading = ",
            " A b . C d . ",          // kept: two sentences, the last keeps its "."
            " only one sentence . ",  // kept: its only period is the final " . "
            " no period here ",
            " x.y z ",
            " Trailing .",            // no " . " in the raw line: dropped
            " e .  . f "));           // empty pieces are kept
        Assert.That(corpus.ParagraphCount, Is.EqualTo(3));
        var v = corpus.Vocabulary;
        string Words(int s) => string.Join(' ', corpus.Sentence(s).ToArray().Select(id => id == 0 ? "?" : v[id]));
        Assert.Multiple(() =>
        {
            Assert.That(corpus.ParagraphStarts, Is.EqualTo(new[] { 0, 2, 3, 6 }));
            Assert.That(corpus.SentenceLength(0), Is.EqualTo(2), "a b");
            Assert.That(corpus.SentenceLength(1), Is.EqualTo(3), "c d .");
            Assert.That(corpus.SentenceLength(2), Is.EqualTo(4), "only one sentence .");
            Assert.That(corpus.SentenceLength(3), Is.EqualTo(1), "e");
            Assert.That(corpus.SentenceLength(4), Is.EqualTo(0), "the empty piece between two separators");
            Assert.That(corpus.SentenceLength(5), Is.EqualTo(1), "f");
            Assert.That(Words(0), Is.EqualTo("? ?"), "rare words map to <unk>");
        });
    }

    [Test]
    public void LowerCasesAndCountsTheLiteralUnkAsTheReservedEntry()
    {
        string line = " The <unk> the THE tHe . <unk> <unk> <unk> <unk> the . ";
        var corpus = Corpus.Parse(line);
        var v = corpus.Vocabulary;
        Assert.Multiple(() =>
        {
            Assert.That(v.Count, Is.EqualTo(6), "reserved + 'the'");
            Assert.That(v[5], Is.EqualTo("the"));
            Assert.That(v.IdOf("<unk>"), Is.EqualTo(Vocabulary.UnkId));
            Assert.That(v.IdOf("never-seen"), Is.EqualTo(Vocabulary.UnkId));
            Assert.That(corpus.Sentence(0).ToArray(), Is.EqualTo(new[] { 5, 0, 5, 5, 5 }));
        });
    }

    [Test]
    public void MissingOrBinaryFilesGiveOneClearError()
    {
        var missing = Assert.Throws<BertNative.Contract.BertNativeException>(() => Corpus.Read("/nonexistent/wiki.train.tokens"));
        Assert.That(missing!.Message, Does.Contain("--data"));
        string binary = Path.Combine(Path.GetTempPath(), $"bn-binary-{Guid.NewGuid():N}.tokens");
        File.WriteAllBytes(binary, [0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x20, 0x2e, 0x20]);
        try
        {
            var corrupt = Assert.Throws<BertNative.Contract.BertNativeException>(() => Corpus.Read(binary));
            Assert.That(corrupt!.Message, Does.Contain("is not a text file (it holds NUL bytes)"));
        }
        finally { File.Delete(binary); }
    }
}
