using System.Diagnostics;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Export;
using BertNative.Model.Inference;
using BertNative.Tests.Model;
using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

namespace BertNative.Tests.Export;

/// <summary>The ONNX export, run by ONNX Runtime, against the cpu backend (the reference).</summary>
public class OnnxExportTests
{
    /// <summary>Largest |ONNX Runtime - encode| allowed on any element.</summary>
    private const float Tolerance = 1e-4f;

    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-onnx-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    [TestCase(Activation.Relu)]
    [TestCase(Activation.Gelu)]
    public void TheBooksSentencesMatchEncode(Activation activation) => AssertTheBooksSentencesMatchEncode(TinyBert.Config(activation, dropout: 0.2f));

    /// <summary>Through the CLI, so config.json's Hugging Face fields reach the export.</summary>
    [Test]
    public void TheBooksSentencesMatchEncodeWithTheHuggingFaceArchitecture() =>
        AssertTheBooksSentencesMatchEncode(HuggingFaceLargeEpsilon() with { Dropout = 0.2f });

    private void AssertTheBooksSentencesMatchEncode(BertConfig config)
    {
        var weights = TinyBert.Init(config);
        if (config.EmbeddingLayerNorm) weights = WithTrainedNorms(config, weights);
        string onnx = ExportThroughTheCli(config, weights);
        var vocabulary = TinyBert.Examples.Vocabulary;
        using var cpu = new CpuBackend();
        using var runtime = new OnnxRuntimeModel(onnx);
        foreach (var (a, b) in new (string[], string[]?)[] { (["a", "crane", "is", "flying"], null), (["a", "crane", "driver", "came"], ["he", "just", "left"]) })
        {
            var expected = TextEncoder.Encode(cpu, config, vocabulary, weights, a, b);
            int T = expected.Length;
            var (hidden, shape) = runtime.Run([.. expected.Ids.Select(i => (long)i)], [.. expected.Segments.Select(s => (long)s)], Ones(T), 1, T)["last_hidden_state"];
            Assert.That(shape, Is.EqualTo(new long[] { 1, T, config.Hidden }));
            AssertClose(hidden, expected.Output, string.Join(' ', expected.Tokens));
        }
    }

    [TestCase(1u, false)]
    [TestCase(2u, false)]
    [TestCase(3u, true)]
    public void RandomPaddedBatchesMatchTheEncoderOnTheirRealTokens(uint seed, bool huggingFace)
    {
        var config = huggingFace ? HuggingFaceLargeEpsilon() : TinyBert.Config(Activation.Gelu);
        var weights = TinyBert.Init(config, seed: 10 + seed);
        if (huggingFace) weights = WithTrainedNorms(config, weights);
        string onnx = Export(config, weights, withHeads: false);
        var batch = RandomBatch(seed, size: 5);
        var expected = EncoderRows(config, weights, batch);

        using var runtime = new OnnxRuntimeModel(onnx);
        var (ids, segments, mask) = Inputs(batch);
        var (hidden, _) = runtime.Run(ids, segments, mask, batch.Size, batch.MaxLen)["last_hidden_state"];
        Assert.That(batch.ValidLens.Take(batch.Size).Distinct().Count(), Is.GreaterThan(1), "the batch mixes lengths");
        Assert.That(batch.ValidLens.Take(batch.Size).Min(), Is.LessThan(batch.MaxLen), "the batch has padding");
        AssertClose(RealRows(hidden, batch, config.Hidden), expected, "real tokens of a padded batch");
    }

    public static IEnumerable<TestCaseData> HeadConfigs()
    {
        yield return new TestCaseData(TinyBert.Config(Activation.Relu)).SetName("TheHeadsMatchTheModelsMlmAndNspLayers(book)");
        yield return new TestCaseData(HuggingFaceLargeEpsilon()).SetName("TheHeadsMatchTheModelsMlmAndNspLayers(Hugging Face)");
    }

    [TestCaseSource(nameof(HeadConfigs))]
    public void TheHeadsMatchTheModelsMlmAndNspLayers(BertConfig config)
    {
        var weights = TinyBert.Init(config, seed: 21);
        if (config.EmbeddingLayerNorm) weights = WithTrainedNorms(config, weights);
        string onnx = Export(config, weights, withHeads: true);
        var batch = RandomBatch(3, size: 3);
        var encoded = EncoderRows(config, weights, batch);

        using var runtime = new OnnxRuntimeModel(onnx);
        Assert.That(runtime.OutputNames, Is.EqualTo(new[] { "last_hidden_state", "mlm_logits", "nsp_logits" }));
        var (ids, segments, mask) = Inputs(batch);
        var outputs = runtime.Run(ids, segments, mask, batch.Size, batch.MaxLen);
        var heads = new HeadsReference(config, weights);
        var clsRows = Enumerable.Range(0, batch.Size).Select(e => batch.ValidLens.Take(e).Sum()).ToArray();
        AssertClose(outputs["nsp_logits"].Values, [.. clsRows.SelectMany(r => heads.Nsp(encoded.AsSpan(r * config.Hidden, config.Hidden)))], "nsp_logits");
        var mlm = RealRows(outputs["mlm_logits"].Values, batch, config.VocabSize);
        var expectedMlm = Enumerable.Range(0, encoded.Length / config.Hidden).SelectMany(r => heads.Mlm(encoded.AsSpan(r * config.Hidden, config.Hidden))).ToArray();
        AssertClose(mlm, expectedMlm, "mlm_logits");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void EveryInitializerIsTheCheckpointTensorOfTheSameName(bool huggingFace)
    {
        var config = huggingFace ? TinyBert.HuggingFaceConfig() : TinyBert.Config();
        var weights = TinyBert.Init(config);
        var model = BertOnnxExport.Build(config, weights, withHeads: true);
        var layout = ParameterLayout.Of(config);
        var initializers = model.Graph.Initializer.Where(t => layout.Slots.Any(s => s.Name == t.Name)).ToDictionary(t => t.Name);
        Assert.Multiple(() =>
        {
            Assert.That(initializers.Keys, Is.EquivalentTo(layout.Slots.Select(s => s.Name)), "with --heads every parameter is used");
            foreach (var slot in layout.Slots)
            {
                var tensor = initializers[slot.Name];
                Assert.That(tensor.Dims, Is.EqualTo(slot.Shape.Select(d => (long)d)), slot.Name);
                var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
                Assert.That(values, Is.EqualTo(weights.AsSpan((int)slot.Offset, (int)slot.Count).ToArray()), slot.Name);
            }
            Assert.That(model.OpsetImport.Single().Version, Is.GreaterThanOrEqualTo(17));
            Assert.That(model.Graph.Input.Select(i => string.Join(',', i.Type.TensorType.Shape.Dim.Select(d => d.DimParam))),
                Has.All.EqualTo("batch,sequence"), "batch and sequence axes are dynamic");
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void DebiansOnnxCheckerAcceptsTheExport(bool huggingFace)
    {
        string python = OnnxPython();
        var config = huggingFace ? TinyBert.HuggingFaceConfig() : TinyBert.Config(Activation.Gelu);
        string onnx = Export(config, TinyBert.Init(config), withHeads: true);
        var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", "import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok', m.opset_import[0].version)", onnx })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, stderr.Result);
        Assert.That(stdout.Trim(), Is.EqualTo($"ok {BertOnnxExport.Opset}"));
    }

    [TestCase(new[] { "export", "--checkpoint", "CKPT" }, 2, "export needs --out FILE")]
    [TestCase(new[] { "export", "--checkpoint", "CKPT", "--out", "OUT", "--format", "torchscript" }, 2, "--format must be one of")]
    [TestCase(new[] { "export", "--checkpoint", "/nonexistent/ckpt", "--out", "OUT" }, 1, "does not exist")]
    [TestCase(new[] { "export", "--checkpoint", "CKPT", "--out", "/nonexistent/folder/bert.onnx" }, 1, "cannot write /nonexistent/folder/bert.onnx")]
    public void BadExportsGetOneClearLineAndLeaveNoFile(string[] args, int expectedCode, string message)
    {
        var config = TinyBert.Config();
        string checkpoint = SaveCheckpoint(config, TinyBert.Init(config));
        string output = Path.Combine(_dir, "bert.onnx");
        var (code, _, err) = RunCli([.. args.Select(a => a == "CKPT" ? checkpoint : a == "OUT" ? output : a)]);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(expectedCode));
            Assert.That(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Exactly(1).StartsWith("error:").And.Contains(message));
            Assert.That(Directory.GetFiles(_dir, "*.onnx*"), Is.Empty);
        });
    }

    /// <summary>The Hugging Face tiny config with an epsilon large enough (1e-2) that using another one shows in the output.</summary>
    private static BertConfig HuggingFaceLargeEpsilon() => TinyBert.HuggingFaceConfig() with { LayerNormEpsilon = 1e-2f };

    /// <summary>The weights with every LayerNorm's gain and shift moved off 1 and 0, so that a LayerNorm that reads the wrong
    /// tensors (or is missing) shows in the output.</summary>
    private static float[] WithTrainedNorms(BertConfig config, float[] weights)
    {
        var result = (float[])weights.Clone();
        foreach (var slot in ParameterLayout.Of(config).Slots.Where(s => s.Name.Contains(".ln.") || s.Name.Contains("embedding_norm") || s.Name.StartsWith("mlm.mlp.2")))
        {
            bool gain = slot.Name.EndsWith(".weight", StringComparison.Ordinal);
            for (int i = 0; i < slot.Count; i++) result[slot.Offset + i] = gain ? 1f + 0.3f * MathF.Sin(i + 1) : 0.2f * MathF.Cos(i + 1);
        }
        return result;
    }

    private string ExportThroughTheCli(BertConfig config, float[] weights)
    {
        string output = Path.Combine(_dir, "bert.onnx");
        var (code, stdout, err) = RunCli("export", "--checkpoint", SaveCheckpoint(config, weights), "--out", output);
        Assert.That(code, Is.Zero, err);
        Assert.That(stdout, Does.StartWith($"wrote {output} ").And.Contain("opset 17"));
        return output;
    }

    private string Export(BertConfig config, float[] weights, bool withHeads)
    {
        string output = Path.Combine(_dir, withHeads ? "bert-heads.onnx" : "bert.onnx");
        BertOnnxExport.Save(output, config, weights, withHeads);
        return output;
    }

    private string SaveCheckpoint(BertConfig config, float[] weights)
    {
        string folder = Path.Combine(_dir, "checkpoint");
        Checkpoint.Save(folder, config, TinyBert.Examples.Vocabulary, weights);
        return folder;
    }

    private static (int Code, string Out, string Err) RunCli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = new CliApp([new ExportCommand(stdout, stderr)], "export").Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary><paramref name="size"/> WikiText-2 (valid split) examples drawn at random: mixed lengths, padded at the end.</summary>
    private static Batch RandomBatch(uint seed, int size)
    {
        var examples = TinyBert.Examples;
        var rng = new SeededRandom(seed);
        var batch = new Batch(size, examples.MaxLen, examples.PredictionSlots);
        batch.Fill(examples, [.. Enumerable.Range(0, size).Select(_ => rng.NextInt(examples.Count))]);
        return batch;
    }

    /// <summary>The cpu backend's encoder output in inference mode: the real tokens' rows, example after example.</summary>
    private static float[] EncoderRows(BertConfig config, float[] weights, Batch batch)
    {
        using var cpu = new CpuBackend();
        var model = new BertModel(cpu, config, batch.Size, batch.MaxLen, weights);
        model.LoadBatch(batch);
        model.ForwardEncoder(training: false);
        var rows = new float[batch.ValidLens.Take(batch.Size).Sum() * config.Hidden];
        cpu.Download(model.EncoderOutput.Slice(0, rows.Length), rows);
        return rows;
    }

    private static (long[] Ids, long[] Segments, long[] Mask) Inputs(Batch batch)
    {
        int n = batch.Size * batch.MaxLen;
        var mask = new long[n];
        for (int e = 0; e < batch.Size; e++) mask.AsSpan(e * batch.MaxLen, batch.ValidLens[e]).Fill(1);
        return ([.. batch.TokenIds.Take(n).Select(i => (long)i)], [.. batch.Segments.Take(n).Select(s => (long)s)], mask);
    }

    /// <summary>The rows of real tokens of a [batch, sequence, width] output, example after example.</summary>
    private static float[] RealRows(float[] output, Batch batch, int width) =>
        [.. Enumerable.Range(0, batch.Size).SelectMany(e => output.Skip(e * batch.MaxLen * width).Take(batch.ValidLens[e] * width))];

    private static long[] Ones(int n) => [.. Enumerable.Repeat(1L, n)];

    private static void AssertClose(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        float worst = 0;
        for (int i = 0; i < actual.Length; i++) worst = float.IsFinite(actual[i]) ? MathF.Max(worst, MathF.Abs(actual[i] - expected[i])) : float.PositiveInfinity;
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance), $"{what}: largest |ONNX Runtime - cpu backend|");
    }

    /// <summary>OnnxSharp's python twin: Debian's python3-onnx, or Inconclusive (a failure on CI, which installs it).</summary>
    private static string OnnxPython()
    {
        const string python = "/usr/bin/python3";
        try
        {
            using var p = Process.Start(new ProcessStartInfo(python, ["-c", "import onnx"]) { RedirectStandardError = true });
            p!.WaitForExit(60_000);
            if (p.ExitCode == 0) return python;
        }
        catch (System.ComponentModel.Win32Exception) { }
        const string why = "python3-onnx not installed (apt-get install python3-onnx)";
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why + " — .ci/install-deps.sh should have installed it");
        Assert.Inconclusive(why);
        return "";
    }
}
