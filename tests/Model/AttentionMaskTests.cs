using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;

namespace BertNative.Tests.Model;

/// <summary>Hugging Face's attention_mask over the keys, at the model's level: what a masked key may and may not change.</summary>
public class AttentionMaskTests
{
    [Test]
    public void AMaskOfOnesChangesNotOneBit()
    {
        var config = TinyBert.HuggingFaceConfig();
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(4);
        using var cpu = new CpuBackend();
        var plain = TinyBert.LossAndGradients(cpu, config, init, batch, LossMode.Intended);
        batch.MaskKeys([.. Enumerable.Repeat(1, batch.Size * batch.MaxLen)]);
        var masked = TinyBert.LossAndGradients(cpu, config, init, batch, LossMode.Intended);
        Assert.That((masked.Mlm, masked.Nsp), Is.EqualTo((plain.Mlm, plain.Nsp)));
        Assert.That(masked.Gradients, Is.EqualTo(plain.Gradients));
    }

    [Test]
    public void AMaskedTokenReachesNoOtherTokensOutput()
    {
        // Changing a masked token's id changes its own row (it is still a query) and no other row.
        var config = TinyBert.HuggingFaceConfig();
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(2);
        int T = batch.MaxLen, hidden = 3;
        var mask = Enumerable.Repeat(1, batch.Size * T).ToArray();
        mask[hidden] = 0;
        float[] Encode()
        {
            using var cpu = new CpuBackend();
            var model = new BertModel(cpu, config, batch.Size, T, init);
            batch.MaskKeys(mask);
            model.LoadBatch(batch);
            model.ForwardEncoder(training: false);
            int rows = batch.ValidLens.Take(batch.Size).Sum();
            var output = new float[rows * config.Hidden];
            cpu.Download(model.EncoderOutput.Slice(0, output.Length), output);
            return output;
        }
        var before = Encode();
        batch.TokenIds[hidden] = batch.TokenIds[hidden] == 7 ? 8 : 7;
        var after = Encode();
        int H = config.Hidden;
        Assert.Multiple(() =>
        {
            Assert.That(after.AsSpan(hidden * H, H).ToArray(), Is.Not.EqualTo(before.AsSpan(hidden * H, H).ToArray()), "the masked token's own row");
            Assert.That(after.Where((_, i) => i / H != hidden), Is.EqualTo(before.Where((_, i) => i / H != hidden)), "every other row");
        });
    }

    [Test]
    public void ABadMaskIsRefusedWithTheExampleNamed()
    {
        var batch = TinyBert.FirstBatch(2);
        int T = batch.MaxLen;
        var mask = Enumerable.Repeat(1, 2 * T).ToArray();
        mask[T + 1] = 2;
        Assert.That(() => batch.MaskKeys(mask), Throws.ArgumentException.With.Message.Contains("example 1 holds a value other than 0 and 1"));
        mask.AsSpan(T).Clear();
        Assert.That(() => batch.MaskKeys(mask), Throws.ArgumentException.With.Message.Contains("example 1 masks every token"));
        Assert.That(() => batch.MaskKeys(mask.AsSpan(1)), Throws.ArgumentException.With.Message.Contains("for 2 examples"));
        Assert.That(batch.MasksKeys, Is.False);
    }

    [Test]
    public void APartOfABatchKeepsItsExamplesMasks()
    {
        var whole = TinyBert.FirstBatch(4);
        int T = whole.MaxLen;
        var mask = Enumerable.Range(0, 4 * T).Select(i => i % 5 == 1 ? 0 : 1).ToArray();
        whole.MaskKeys(mask);
        var part = new Batch(2, T, whole.PredictionSlots);
        part.FillFrom(whole, 2, 2);
        Assert.That(part.MasksKeys, Is.True);
        Assert.That(part.KeyMask.ToArray(), Is.EqualTo(mask[(2 * T)..]));
        part.Fill(TinyBert.Examples, [0, 1]);
        Assert.That(part.MasksKeys, Is.False, "filling with examples clears the mask");
    }
}
