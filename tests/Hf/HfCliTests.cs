using BertNative.Tests.Cli;

namespace BertNative.Tests.Hf;

/// <summary>import, embed and export --format hf: --help lists their options, and every failure is one line and a non-zero exit.</summary>
public class HfCliTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-hfcli-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    [TestCase("import", "--from PATH")]
    [TestCase("import", "--vocab FILE")]
    [TestCase("embed", "--pooling mean|cls")]
    [TestCase("embed", "--normalize")]
    [TestCase("embed", "--input FILE")]
    [TestCase("export", "--format onnx|hf")]
    [TestCase("pretrain", "--init DIR")]
    public void HelpListsTheOptions(string command, string option)
    {
        var (code, output, _) = CliRunner.Run(command, "--help");
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain(option));
    }

    [Test]
    public void ImportFailuresAreOneLine()
    {
        var (code, _, err) = CliRunner.Run("import", "--out", Path.Combine(_dir, "x"));
        CliRunner.AssertError(code, err, 2, "import needs --from PATH");

        (code, _, err) = CliRunner.Run("import", "--from", Path.Combine(_dir, "missing"), "--out", Path.Combine(_dir, "x"));
        CliRunner.AssertError(code, err, 1, "does not exist");

        string binOnly = Directory.CreateDirectory(Path.Combine(_dir, "bin-only")).FullName;
        File.WriteAllText(Path.Combine(binOnly, "config.json"), """{"model_type": "bert", "vocab_size": 10, "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 1, "intermediate_size": 8, "max_position_embeddings": 8}""");
        File.WriteAllBytes(Path.Combine(binOnly, "pytorch_model.bin"), [1, 2, 3]);
        (code, _, err) = CliRunner.Run("import", "--from", binOnly, "--out", Path.Combine(_dir, "x"));
        CliRunner.AssertError(code, err, 1, "has only pytorch_model.bin; convert it once to safetensors with: python3 -c");

        File.WriteAllText(Path.Combine(binOnly, "config.json"), """{"model_type": "roberta"}""");
        (code, _, err) = CliRunner.Run("import", "--from", binOnly, "--out", Path.Combine(_dir, "x"));
        CliRunner.AssertError(code, err, 1, "only BERT models");

        string notOnnx = Path.Combine(_dir, "model.onnx");
        File.WriteAllText(notOnnx, "not a protobuf");
        (code, _, err) = CliRunner.Run("import", "--from", notOnnx, "--out", Path.Combine(_dir, "x"));
        Assert.That(code, Is.Not.Zero);
        CliRunner.ErrorLine(err);
    }

    [Test]
    public void EmbedNeedsExactlyOneSource()
    {
        var (code, _, err) = CliRunner.Run("embed", "--checkpoint", _dir, "--text", "a", "--input", "b");
        CliRunner.AssertError(code, err, 2, "exactly one of --text TEXT and --input FILE");
        (code, _, err) = CliRunner.Run("embed", "--checkpoint", _dir, "--input", Path.Combine(_dir, "none.txt"));
        CliRunner.AssertError(code, err, 2, "does not exist");
    }
}
