using System.Text.Json;
using BertNative.Tests.Support;
using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

namespace BertNative.Tests.Cli;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var app = new CliApp([new PretrainCommand(stdout, stderr), new EncodeCommand(stdout, stderr), new DataCommand(stdout, stderr)], "pretrain");
        int code = app.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestCase("pretrain", "--steps N", "(default: 50)")]
    [TestCase("pretrain", "--batch N", "(default: 512)")]
    [TestCase("encode", "--text TEXT", "(default: a crane is flying)")]
    [TestCase("data", "--max-len N", "(default: 64)")]
    public void HelpListsOptionsWithDefaults(string command, string option, string defaultText)
    {
        var (code, output, _) = Run(command, "--help");
        Assert.That(code, Is.Zero);
        Assert.That(output.Split('\n').Single(l => l.Contains(option)), Does.Contain(defaultText));
    }

    [TestCase(new[] { "pretrain", "--stepz", "3" }, 2, "unknown option --stepz")]
    [TestCase(new[] { "pretrain", "--steps", "many" }, 2, "--steps needs an integer")]
    [TestCase(new[] { "pretrain", "--max-len", "4096" }, 2, "--max-len 4096 is out of range")]
    [TestCase(new[] { "pretrain", "--device", "tpu" }, 2, "--device must be one of")]
    [TestCase(new[] { "pretrain", "--precision", "fp16" }, 2, "--precision must be one of fp32, tf32")]
    [TestCase(new[] { "pretrain", "--device", "cpu", "--precision", "tf32" }, 2, "--precision tf32 applies to the cuda backend only")]
    [TestCase(new[] { "pretrain", "--heads", "3", "--hidden", "128" }, 2, "not divisible by --heads 3")]
    [TestCase(new[] { "pretrain", "--max-len", "256", "--max-position", "128" }, 2, "exceeds the positional table")]
    [TestCase(new[] { "pretrain", "--device", "cpu", "--data", "/nonexistent/wikitext" }, 1, "no wiki.train.tokens")]
    [TestCase(new[] { "encode", "--checkpoint", "/nonexistent/ckpt" }, 1, "does not exist")]
    [TestCase(new[] { "train" }, 2, "unknown command 'train'")]
    public void BadInputGetsOneClearLineAndAnExitCode(string[] args, int expectedCode, string message)
    {
        var (code, _, err) = Run(args);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(expectedCode));
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error:")).ToList();
            Assert.That(lines, Has.Count.EqualTo(1));
            Assert.That(lines.Single(), Does.Contain(message));
        });
    }

    [Test]
    public void CudaWithoutAGpuIsAnErrorNotAFallback()
    {
        if (BertNative.Interop.Cuda.CudaProbe.IsAvailable) Assert.Ignore("this machine has a CUDA GPU");
        var (code, output, err) = Run("pretrain", "--device", "cuda", "--data", TestData.WikiTextDir);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(err, Does.StartWith("error: --device cuda:"));
            Assert.That(output, Is.Empty, "nothing ran");
        });
    }

    [Test]
    public void DataJsonHasTheBooksNumbers()
    {
        var (code, output, _) = Run("data", "--json", "--seed", "2", "--data", TestData.WikiTextDir);
        Assert.That(code, Is.Zero);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(json.GetProperty("paragraphs").GetInt32(), Is.EqualTo(15_496));
            Assert.That(json.GetProperty("vocab_size").GetInt32(), Is.EqualTo(20_256));
            foreach (var key in new[] { "sentences", "examples", "nsp_positive_fraction", "mean_valid_len", "mean_mlm_predictions", "build_seconds" })
                Assert.That(json.TryGetProperty(key, out _), Is.True, key);
        });
    }

    [Test]
    public void PretrainWritesARunFolderThatEncodeCanUse()
    {
        string dir = Directory.CreateTempSubdirectory("bn-run-").FullName;
        try
        {
            var (code, output, err) = Run("pretrain", "--device", "cpu", "--steps", "3", "--batch", "16", "--seed", "1", "--data", TestData.WikiTextDir, "--out", dir, "--json");
            Assert.That(code, Is.Zero, err);
            Assert.That(err, Does.StartWith("backend cpu"));
            var summary = JsonDocument.Parse(output).RootElement;
            Assert.Multiple(() =>
            {
                Assert.That(summary.GetProperty("mlm").GetDouble(), Is.InRange(5.0, 11.0));
                Assert.That(summary.GetProperty("parameters").GetInt64(), Is.EqualTo(5_632_546));
                Assert.That(File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")), Has.Length.EqualTo(3));
                Assert.That(File.ReadAllText(Path.Combine(dir, "loss.svg")), Does.StartWith("<svg").And.Contain("mlm").And.Contain("nsp"));
                Assert.That(File.Exists(Path.Combine(dir, "checkpoint", "model.safetensors")), Is.True);
            });

            var (encodeCode, encoded, encodeErr) = Run("encode", "--checkpoint", Path.Combine(dir, "checkpoint"), "--device", "cpu",
                "--text", "a crane driver came", "--pair", "he just left");
            Assert.That(encodeCode, Is.Zero, encodeErr);
            Assert.That(encoded, Does.Contain("tokens: <cls> a crane driver came <sep> he just left <sep>").And.Contain("shape (1, 10, 128)").And.Contain("row 2 (crane)"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
