using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model.Checkpoints;
using BertNative.Model.Inference;

namespace BertNative.Tests.Model;

public class CheckpointAndEncodeTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-ckpt-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void CheckpointRoundTripsConfigVocabularyAndEveryWeight()
    {
        var config = TinyBert.Config(Activation.Gelu, dropout: 0.1f);
        var weights = TinyBert.Init(config);
        Checkpoint.Save(_dir, config, TinyBert.Examples.Vocabulary, weights);
        var (loadedConfig, vocabulary, loaded) = Checkpoint.Load(_dir);
        Assert.Multiple(() =>
        {
            Assert.That(loadedConfig, Is.EqualTo(config));
            Assert.That(vocabulary.Count, Is.EqualTo(TinyBert.Examples.Vocabulary.Count));
            Assert.That(vocabulary[7], Is.EqualTo(TinyBert.Examples.Vocabulary[7]));
            Assert.That(loaded, Is.EqualTo(weights));
            Assert.That(Directory.GetFiles(_dir, "*.partial"), Is.Empty, "no temporary file is left behind");
        });
    }

    [Test]
    public void TruncatedWeightsGiveOneClearError()
    {
        var config = TinyBert.Config();
        Checkpoint.Save(_dir, config, TinyBert.Examples.Vocabulary, TinyBert.Init(config));
        string weights = Path.Combine(_dir, Checkpoint.WeightsFile);
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<BertNativeException>(() => Checkpoint.Load(_dir));
        Assert.That(error!.Message, Does.Contain("model.safetensors does not match its SHA-256"));
        File.Delete(Path.Combine(_dir, CheckpointChecksums.FileName)); // a checkpoint from before checksums
        error = Assert.Throws<BertNativeException>(() => Checkpoint.Load(_dir));
        Assert.That(error!.Message, Does.Contain("not a valid safetensors file"));
    }

    [Test]
    public void EncodingIsDeterministicAndContextual()
    {
        var config = TinyBert.Config(dropout: 0.2f);
        var weights = TinyBert.Init(config);
        var vocabulary = TinyBert.Examples.Vocabulary;
        using var cpu = new CpuBackend();
        var single = TextEncoder.Encode(cpu, config, vocabulary, weights, ["a", "crane", "is", "flying"]);
        var again = TextEncoder.Encode(cpu, config, vocabulary, weights, ["a", "crane", "is", "flying"]);
        var pair = TextEncoder.Encode(cpu, config, vocabulary, weights, ["a", "crane", "driver", "came"], ["he", "just", "left"]);
        Assert.Multiple(() =>
        {
            Assert.That(single.Length, Is.EqualTo(6));
            Assert.That(pair.Length, Is.EqualTo(10));
            Assert.That(pair.Segments, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }));
            Assert.That(single.Output, Is.EqualTo(again.Output), "inference mode: no dropout, same output");
            Assert.That(single.Output, Has.All.Matches<float>(float.IsFinite));
            Assert.That(pair.Row(2).ToArray(), Is.Not.EqualTo(single.Row(2).ToArray()), "'crane' depends on its context");
        });
    }

    [Test]
    public void SpreadAcrossTokensIsTheLargestDifferenceFromTheClsRow()
    {
        var collapsed = new EncodedText(["<cls>", "a", "<sep>"], [3, 5, 4], [0, 0, 0], [1f, 2f, 1f, 2.0004f, 1.0002f, 2f], Hidden: 2);
        var contextual = collapsed with { Output = [1f, 2f, 1f, 2.5f, 0.5f, 2f] };
        Assert.Multiple(() =>
        {
            Assert.That(collapsed.SpreadAcrossTokens(), Is.EqualTo(0.0004f).Within(1e-6f));
            Assert.That(contextual.SpreadAcrossTokens(), Is.EqualTo(0.5f));
        });
    }
}
