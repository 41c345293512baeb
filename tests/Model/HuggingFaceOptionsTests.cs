using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Training;

namespace BertNative.Tests.Model;

/// <summary>The Hugging Face architecture options outside forward and backward: config.json, validation, the memory
/// estimate, weight decay and the segment table's size.</summary>
public class HuggingFaceOptionsTests
{
    [Test]
    public void TheMemoryEstimateCountsTheNewTensorsAndActivations()
    {
        var hf = TinyBert.HuggingFaceConfig();
        var withoutNorm = hf with { EmbeddingLayerNorm = false };
        var estimate = MemoryEstimate.For(hf, 8, 32);
        long rows = 8 * 32;
        Assert.Multiple(() =>
        {
            Assert.That(estimate.ParameterStateBytes, Is.EqualTo(4L * sizeof(float) * ParameterLayout.Of(hf).TotalCount));
            // The embedding LayerNorm's packed input [rows, H] and its mean and rstd [rows].
            Assert.That(estimate.ActivationBytes - MemoryEstimate.For(withoutNorm, 8, 32).ActivationBytes,
                Is.EqualTo(sizeof(float) * (rows * hf.Hidden + 2 * rows)));
        });
    }

    [Test]
    public void WeightDecaySkipsTheEmbeddingLayerNorm()
    {
        var layout = ParameterLayout.Of(TinyBert.HuggingFaceConfig());
        Assert.Multiple(() =>
        {
            Assert.That(AdamWOptimizer.IsDecayed(layout["encoder.embedding_norm.weight"]), Is.False);
            Assert.That(AdamWOptimizer.IsDecayed(layout["encoder.embedding_norm.bias"]), Is.False);
            Assert.That(AdamWOptimizer.IsDecayed(layout["encoder.token_embedding.weight"]), Is.True, "the tied table is a weight");
        });
    }

    [Test]
    public void TheTypeVocabularySizesTheSegmentTable()
    {
        var layout = ParameterLayout.Of(TinyBert.Config() with { TypeVocabSize = 3 });
        Assert.That(layout["encoder.segment_embedding.weight"].Shape, Is.EqualTo(new[] { 3, 32 }));
    }

    [Test]
    public void TheNewOptionsRoundTripThroughConfigJson()
    {
        string dir = Directory.CreateTempSubdirectory("bn-hf-").FullName;
        try
        {
            var config = TinyBert.HuggingFaceConfig(dropout: 0.1f) with { TypeVocabSize = 3, LayerNormEpsilon = 1e-7f };
            var weights = TinyBert.Init(config);
            Checkpoint.Save(dir, config, TinyBert.Examples.Vocabulary, weights);
            string json = File.ReadAllText(Path.Combine(dir, Checkpoint.ConfigFile));
            var (loaded, _, loadedWeights) = Checkpoint.Load(dir);
            Assert.Multiple(() =>
            {
                Assert.That(json, Does.Contain("\"embedding_layer_norm\": true").And.Contain("\"mlm_activation\": \"gelu\"")
                    .And.Contain("\"tie_decoder\": true").And.Contain("\"type_vocab_size\": 3"));
                Assert.That(loaded, Is.EqualTo(config));
                Assert.That(loadedWeights, Is.EqualTo(weights));
            });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void AConfigJsonWithoutTheNewFieldsLoadsTheBooksArchitecture()
    {
        string dir = Directory.CreateTempSubdirectory("bn-hf-").FullName;
        try
        {
            var config = TinyBert.Config();
            Checkpoint.Save(dir, config, TinyBert.Examples.Vocabulary, TinyBert.Init(config));
            string path = Path.Combine(dir, Checkpoint.ConfigFile);
            var old = File.ReadAllLines(path).Where(l => !(l.Contains("embedding_layer_norm") || l.Contains("mlm_activation")
                || l.Contains("tie_decoder") || l.Contains("type_vocab_size"))).ToList();
            old[^2] = old[^2].TrimEnd(','); // the last field before the closing brace
            File.WriteAllLines(path, old);
            File.Delete(Path.Combine(dir, CheckpointChecksums.FileName)); // checkpoints of that age had no checksums either
            Assert.That(File.ReadAllText(path), Does.Not.Contain("tie_decoder"));
            var (loaded, _, _) = Checkpoint.Load(dir);
            Assert.That(loaded, Is.EqualTo(config));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test]
    public void ImpossibleOptionsAreRejectedWithOneLine()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<BertNativeException>(() => (TinyBert.Config() with { LayerNormEpsilon = 0f }).Validate(32));
            Assert.Throws<BertNativeException>(() => (TinyBert.Config() with { LayerNormEpsilon = float.NaN }).Validate(32));
            Assert.Throws<BertNativeException>(() => (TinyBert.Config() with { TypeVocabSize = 1 }).Validate(32));
            Assert.Throws<BertNativeException>(() => (TinyBert.Config() with { MlmActivation = Activation.Tanh }).Validate(32));
        });
    }
}
