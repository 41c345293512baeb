using BertNative.Model.Checkpoints;

namespace BertNative.Tests.Cli;

/// <summary>pretrain's Hugging Face architecture options: listed by --help, saved in the checkpoint, run-defining on resume.</summary>
public class HuggingFaceOptionsCliTests
{
    private string _dir = "";
    private string _corpus = "";

    private static readonly string[] HuggingFace =
        ["--embedding-norm", "--tie-decoder", "--mlm-activation", "gelu", "--activation", "gelu", "--layer-norm-eps", "1e-12", "--dropout", "0.1"];

    // A small model on a small synthetic corpus: each run takes well under a second.
    private string[] Tiny(params string[] more) =>
    [
        "pretrain", "--device", "cpu", "--corpus", _corpus, "--min-freq", "1", "--max-len", "16", "--batch", "32",
        "--hidden", "16", "--ffn", "32", "--heads", "2", "--layers", "1", "--seed", "3", .. more,
    ];

    [SetUp]
    public void MakeFolder()
    {
        _dir = Directory.CreateTempSubdirectory("bn-cli-hf-").FullName;
        _corpus = Path.Combine(_dir, "corpus.txt");
        var rng = new BertNative.Model.Data.SeededRandom(5);
        File.WriteAllLines(_corpus, Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(30)}")))) + " . "));
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Out(string name) => Path.Combine(_dir, name);

    [TestCase("--embedding-norm", "Hugging Face")]
    [TestCase("--tie-decoder", "token embedding table")]
    [TestCase("--mlm-activation relu|gelu", "default: relu")]
    [TestCase("--layer-norm-eps X", "default: 1e-5")]
    public void HelpListsTheOptions(string option, string text)
    {
        var (code, output, _) = CliRunner.Run("pretrain", "--help");
        Assert.That(code, Is.Zero);
        Assert.That(output.Split('\n').Single(l => l.TrimStart().StartsWith(option + " ", StringComparison.Ordinal)), Does.Contain(text));
    }

    [Test]
    public void TheOptionsReachTheCheckpointAndAResumedRunEndsWhereAnUninterruptedOneEnds()
    {
        var (code, _, err) = CliRunner.Run(Tiny([.. HuggingFace, "--steps", "4", "--out", Out("whole")]));
        Assert.That(code, Is.Zero, err);
        Assert.That(CliRunner.Run(Tiny([.. HuggingFace, "--steps", "2", "--out", Out("split")])).Code, Is.Zero);
        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("split"), "--steps", "4", "--device", "cpu");
        Assert.That(code, Is.Zero, err);

        string checkpoint = Path.Combine(Out("whole"), "checkpoint");
        var (config, _, _) = Checkpoint.Load(checkpoint);
        var tensors = SafeTensors.Read(Path.Combine(checkpoint, Checkpoint.WeightsFile));
        Assert.Multiple(() =>
        {
            Assert.That(err, Does.Contain("embedding LayerNorm, tied decoder, gelu MLM transform, LayerNorm eps 1E-12"));
            Assert.That((config.EmbeddingLayerNorm, config.TieDecoder, config.MlmActivation, config.LayerNormEpsilon),
                Is.EqualTo((true, true, BertNative.Contract.Activation.Gelu, 1e-12f)));
            Assert.That(tensors.Keys, Does.Contain("encoder.embedding_norm.weight").And.Not.Contain("mlm.mlp.3.weight"));
            Assert.That(File.ReadAllBytes(Path.Combine(Out("split"), "checkpoint", Checkpoint.WeightsFile)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(checkpoint, Checkpoint.WeightsFile))), "resumed = uninterrupted, bit for bit");
        });

        (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("split"), "--steps", "6", "--device", "cpu", "--mlm-activation", "relu");
        CliRunner.AssertError(code, err, 2, "--mlm-activation relu differs from the resumed run's gelu");
    }

    [Test]
    public void ABookRunCannotBeResumedWithTheHuggingFaceArchitecture()
    {
        Assert.That(CliRunner.Run(Tiny("--steps", "1", "--out", Out("run"))).Code, Is.Zero);
        var (code, _, err) = CliRunner.Run("pretrain", "--resume", Out("run"), "--steps", "2", "--device", "cpu", "--tie-decoder");
        CliRunner.AssertError(code, err, 2, "--tie-decoder differs from the resumed run's default");
    }

    [TestCase(new[] { "--mlm-activation", "tanh" }, "--mlm-activation must be one of relu, gelu")]
    [TestCase(new[] { "--layer-norm-eps", "0" }, "--layer-norm-eps 0 is out of range")]
    [TestCase(new[] { "--layer-norm-eps", "small" }, "--layer-norm-eps needs a number")]
    public void BadValuesGetOneLine(string[] option, string message)
    {
        var (code, _, err) = CliRunner.Run(Tiny([.. option, "--steps", "1", "--out", Out("run")]));
        CliRunner.AssertError(code, err, 2, message);
    }
}
