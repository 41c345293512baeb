using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;

namespace BertNative.Tests.Model;

/// <summary>The Hugging Face architecture options: their tensors and their gradients.</summary>
public class HuggingFaceArchitectureTests
{
    [Test]
    public void TheOptionsAddTheEmbeddingNormAndDropTheDecoderWeight()
    {
        var book = ParameterLayout.Of(TinyBert.Config());
        var config = TinyBert.HuggingFaceConfig();
        var hf = ParameterLayout.Of(config);
        var names = hf.Slots.Select(s => s.Name).ToList();
        var init = TinyBert.Init(config);
        var gamma = hf["encoder.embedding_norm.weight"];
        var beta = hf["encoder.embedding_norm.bias"];
        Assert.Multiple(() =>
        {
            Assert.That(names.IndexOf("encoder.embedding_norm.weight"), Is.EqualTo(names.IndexOf("encoder.pos_embedding") + 1));
            Assert.That(names.IndexOf("encoder.embedding_norm.bias"), Is.EqualTo(names.IndexOf("encoder.pos_embedding") + 2));
            Assert.That(gamma.Shape, Is.EqualTo(new[] { config.Hidden }));
            Assert.That(names, Does.Not.Contain("mlm.mlp.3.weight"));
            Assert.That(names, Does.Contain("mlm.mlp.3.bias"));
            Assert.That(hf.TotalCount, Is.EqualTo(book.TotalCount + 2L * config.Hidden - (long)config.VocabSize * config.Hidden));
            Assert.That(init.AsSpan((int)gamma.Offset, (int)gamma.Count).ToArray(), Has.All.EqualTo(1f));
            Assert.That(init.AsSpan((int)beta.Offset, (int)beta.Count).ToArray(), Has.All.EqualTo(0f));
            Assert.That(book.Slots.Select(s => s.Name), Does.Not.Contain("encoder.embedding_norm.weight"));
        });
    }

    [Test]
    public void TheTiedDecoderGradientIsTheSumOfBothUses()
    {
        // Untied with the decoder weight equal to the token embedding computes the same function; the tied gradient of
        // the shared table must be the untied embedding gradient plus the untied decoder gradient.
        var tied = TinyBert.HuggingFaceConfig();
        var untied = tied with { TieDecoder = false };
        var tiedInit = TinyBert.Init(tied);
        var tiedLayout = ParameterLayout.Of(tied);
        var untiedLayout = ParameterLayout.Of(untied);
        var untiedInit = new float[untiedLayout.TotalCount];
        foreach (var slot in tiedLayout.Slots)
            tiedInit.AsSpan((int)slot.Offset, (int)slot.Count).CopyTo(untiedInit.AsSpan((int)untiedLayout[slot.Name].Offset));
        var embedding = tiedLayout["encoder.token_embedding.weight"];
        tiedInit.AsSpan((int)embedding.Offset, (int)embedding.Count).CopyTo(untiedInit.AsSpan((int)untiedLayout["mlm.mlp.3.weight"].Offset));

        var batch = TinyBert.FirstBatch(4);
        using var cpu = new CpuBackend();
        var (tiedMlm, tiedNsp, tiedGrads) = TinyBert.LossAndGradients(cpu, tied, tiedInit, batch, LossMode.Intended);
        var (mlm, nsp, grads) = TinyBert.LossAndGradients(cpu, untied, untiedInit, batch, LossMode.Intended);

        float[] Grad(float[] g, ParameterLayout layout, string name) => g.AsSpan((int)layout[name].Offset, (int)layout[name].Count).ToArray();
        var embeddingUse = Grad(grads, untiedLayout, "encoder.token_embedding.weight");
        var decoderUse = Grad(grads, untiedLayout, "mlm.mlp.3.weight");
        var sum = embeddingUse.Zip(decoderUse, (a, b) => a + b).ToArray();
        var actual = Grad(tiedGrads, tiedLayout, "encoder.token_embedding.weight");
        Assert.Multiple(() =>
        {
            Assert.That(float.IsFinite(tiedMlm) && float.IsFinite(tiedNsp), $"losses {tiedMlm}, {tiedNsp}");
            Assert.That(actual, Has.All.Matches<float>(float.IsFinite), "the tied gradient is finite");
            Assert.That(tiedMlm, Is.EqualTo(mlm), "same function, same MLM loss");
            Assert.That(tiedNsp, Is.EqualTo(nsp), "same function, same NSP loss");
            Assert.That(decoderUse.Max(Math.Abs), Is.GreaterThan(1e-4f), "the decoder's use is not negligible");
            Assert.That(embeddingUse.Max(Math.Abs), Is.GreaterThan(1e-4f), "the lookup's use is not negligible");
            Assert.That(actual, Is.EqualTo(sum).Within(1e-6f));
            foreach (var slot in tiedLayout.Slots.Where(s => s.Name != embedding.Name))
                Assert.That(Grad(tiedGrads, tiedLayout, slot.Name), Is.EqualTo(Grad(grads, untiedLayout, slot.Name)), slot.Name);
        });
    }

    public static IEnumerable<TestCaseData> Options()
    {
        var hf = TinyBert.HuggingFaceConfig();
        var book = TinyBert.Config(Activation.Gelu);
        yield return new TestCaseData(hf).SetName("DirectionalDerivative(Hugging Face, all options)");
        yield return new TestCaseData(hf with { Dropout = 0.1f }).SetName("DirectionalDerivative(Hugging Face, dropout on)");
        yield return new TestCaseData(book with { EmbeddingLayerNorm = true }).SetName("DirectionalDerivative(embedding LayerNorm only)");
        yield return new TestCaseData(book with { MlmActivation = Activation.Gelu }).SetName("DirectionalDerivative(GELU MLM transform only)");
        yield return new TestCaseData(book with { TieDecoder = true }).SetName("DirectionalDerivative(tied decoder only)");
    }

    /// <summary>Groups of tensors checked on their own, so that an error in one group is not hidden by the others: the
    /// tables under the embedding LayerNorm and dropout, the token table (a tied decoder's second use), the LayerNorm
    /// itself, the MLM transform below its activation, and everything.</summary>
    private static readonly string[][] Groups =
    [
        ["encoder.segment_embedding.", "encoder.pos_embedding"],
        ["encoder.token_embedding."],
        ["encoder.embedding_norm."],
        ["mlm.mlp.0."],
        [""],
    ];

    [TestCaseSource(nameof(Options))]
    public void DirectionalDerivativeOfTheLossMatchesTheGradient(BertConfig config)
    {
        var theta = TinyBert.Init(config);
        var layout = ParameterLayout.Of(config);
        var batch = TinyBert.FirstBatch(4);
        using var cpu = new CpuBackend();
        var (_, _, grads) = TinyBert.LossAndGradients(cpu, config, theta, batch, LossMode.Intended);
        Assert.Multiple(() =>
        {
            foreach (var group in Groups)
            {
                var inGroup = new bool[grads.Length];
                var slots = layout.Slots.Where(s => group.Any(prefix => s.Name.StartsWith(prefix, StringComparison.Ordinal))).ToList();
                if (slots.Count == 0) continue;
                foreach (var slot in slots) inGroup.AsSpan((int)slot.Offset, (int)slot.Count).Fill(true);
                var (numeric, analytic) = DerivativeAlongTheGradient(cpu, config, theta, grads, inGroup, batch);
                string name = string.Join('+', group.Select(p => p.Length == 0 ? "all" : p));
                Assert.That(double.IsFinite(analytic) && analytic > 0, $"{name}: gradient norm {analytic}");
                Assert.That(numeric, Is.EqualTo(analytic).Within(5e-3 * analytic), name);
                TestContext.Out.WriteLine($"{name}: numeric {numeric:E4} analytic {analytic:E4}");
            }
        });
    }

    /// <summary>The central difference of the loss along the normalised gradient restricted to a mask, and |g| there
    /// (the exact derivative along that direction). The dropout masks are keyed by (seed, step, site), so every
    /// evaluation sees the same ones.</summary>
    private static (double Numeric, double Analytic) DerivativeAlongTheGradient(CpuBackend cpu, BertConfig config, float[] theta,
        float[] grads, bool[] mask, Batch batch)
    {
        double norm = Math.Sqrt(grads.Where((_, i) => mask[i]).Sum(g => (double)g * g));
        var direction = grads.Select((g, i) => mask[i] ? (float)(g / norm) : 0f).ToArray();
        const float h = 1e-3f;
        double Loss(float sign)
        {
            var shifted = theta.Select((v, i) => v + sign * h * direction[i]).ToArray();
            var (mlm, nsp, _) = TinyBert.LossAndGradients(cpu, config, shifted, batch, LossMode.Intended);
            return (double)mlm + nsp;
        }
        return ((Loss(+1) - Loss(-1)) / (2 * h), norm);
    }
}

