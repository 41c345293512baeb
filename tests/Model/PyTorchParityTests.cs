using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>
/// The same weights and batch through our model and through tests/parity/bert_torch.py (float64):
/// the losses and every parameter gradient must agree, tensor by tensor.
/// </summary>
[Category("PyTorch")]
public class PyTorchParityTests
{
    // Relative error ||ours - torch|| / ||torch|| allowed per tensor (float32 vs float64).
    private const double DefaultTolerance = 1e-5;

    [TestCase(Activation.Relu, LossMode.Intended)]
    [TestCase(Activation.Gelu, LossMode.Intended)]
    [TestCase(Activation.Relu, LossMode.BookPyTorch)]
    public void LossesAndEveryGradientMatchPyTorch(Activation activation, LossMode mode) => AssertMatchesPyTorch(TinyBert.Config(activation), mode);

    /// <summary>Hugging Face's architecture: embedding LayerNorm, GELU MLM transform, tied decoder, eps 1e-12, and a
    /// third segment row (a table larger than the two segments used).</summary>
    [TestCase(LossMode.Intended)]
    [TestCase(LossMode.BookPyTorch)]
    public void TheHuggingFaceArchitectureMatchesPyTorch(LossMode mode) =>
        AssertMatchesPyTorch(TinyBert.HuggingFaceConfig() with { TypeVocabSize = 3 }, mode);

    private static void AssertMatchesPyTorch(BertConfig config, LossMode mode)
    {
        string python = PyTorch.Interpreter;
        Assert.That(python, Is.Not.Empty);
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch();
        string dir = Directory.CreateTempSubdirectory("bn-parity-").FullName;
        try
        {
            Checkpoint.Save(Path.Combine(dir, "checkpoint"), config, TinyBert.Examples.Vocabulary, init);
            BatchFile.Write(Path.Combine(dir, "batches.safetensors"), [batch]);
            var args = new List<string> { "grads", "--checkpoint", Path.Combine(dir, "checkpoint"), "--batches", Path.Combine(dir, "batches.safetensors"),
                                          "--double", "--threads", "2", "--out", Path.Combine(dir, "torch.safetensors") };
            if (mode == LossMode.BookPyTorch) args.Add("--book-pytorch");
            PyTorch.Run("bert_torch.py", [.. args]);
            var torch = SafeTensors.Read(Path.Combine(dir, "torch.safetensors"));

            using var cpu = new CpuBackend();
            var (mlm, nsp, grads) = TinyBert.LossAndGradients(cpu, config, init, batch, mode);
            var layout = ParameterLayout.Of(config);
            var report = new List<string>();
            Assert.Multiple(() =>
            {
                Assert.That(mlm, Is.EqualTo(torch["loss.mlm"].Floats![0]).Within(1e-4).Percent, "MLM loss");
                Assert.That(nsp, Is.EqualTo(torch["loss.nsp"].Floats![0]).Within(1e-4).Percent, "NSP loss");
                foreach (var slot in layout.Slots)
                {
                    var expected = torch["grad." + slot.Name].Floats!;
                    var actual = grads.AsSpan((int)slot.Offset, (int)slot.Count);
                    double error = RelativeError(actual, expected, out double referenceNorm);
                    report.Add($"{slot.Name}: {error:E2} (|grad| {referenceNorm:E2})");
                    if (KeyBiasIsZero(slot.Name))
                        Assert.That(MaxAbs(actual), Is.LessThan(1e-5), $"{slot.Name} is zero in exact arithmetic");
                    else if (referenceNorm == 0)
                        Assert.That(MaxAbs(actual), Is.Zero, $"{slot.Name} must get no gradient");
                    else
                        Assert.That(error, Is.LessThan(DefaultTolerance), slot.Name);
                }
            });
            TestContext.Out.WriteLine(string.Join('\n', report));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // Softmax ignores a shift common to all keys, so W_k's bias gets no gradient: only rounding noise is left.
    private static bool KeyBiasIsZero(string name) => name.EndsWith("attention.W_k.bias", StringComparison.Ordinal);

    private static double RelativeError(ReadOnlySpan<float> actual, float[] expected, out double referenceNorm)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(actual[i])) diff = double.PositiveInfinity;
            diff += Math.Pow(actual[i] - expected[i], 2);
            norm += Math.Pow(expected[i], 2);
        }
        referenceNorm = Math.Sqrt(norm);
        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    private static double MaxAbs(ReadOnlySpan<float> values)
    {
        double max = 0;
        foreach (float v in values) max = Math.Max(max, float.IsNaN(v) ? double.PositiveInfinity : Math.Abs(v));
        return max;
    }
}
