using BertNative.Interop.Cpu;
using BertNative.Model;
using BertNative.Model.Data;

namespace BertNative.Tests.Model;

/// <summary>The encoder runs on packed rows (valid tokens only). Nothing of the padding, and nothing a
/// previous batch left in the buffers, may reach the losses or the gradients.</summary>
public class PackingTests
{
    [Test]
    public void PaddedTokensChangeNothing()
    {
        var config = TinyBert.Config(dropout: 0.2f);
        var parameters = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch();
        Assume.That(batch.ValidLens.Take(batch.Size).Min(), Is.LessThan(batch.MaxLen), "the batch needs padding");
        using var cpu = new CpuBackend(2);
        var before = TinyBert.LossAndGradients(cpu, config, parameters, batch, LossMode.Intended);

        // Different ids and segments at every padded slot.
        for (int b = 0; b < batch.Size; b++)
            for (int t = batch.ValidLens[b]; t < batch.MaxLen; t++)
            {
                batch.TokenIds[b * batch.MaxLen + t] = 5 + (b * 7 + t) % 50;
                batch.Segments[b * batch.MaxLen + t] = 1;
            }
        var after = TinyBert.LossAndGradients(cpu, config, parameters, batch, LossMode.Intended);

        Assert.That(after.Mlm, Is.EqualTo(before.Mlm));
        Assert.That(after.Nsp, Is.EqualTo(before.Nsp));
        Assert.That(after.Gradients, Is.EqualTo(before.Gradients));
        Assert.That(before.Gradients.All(float.IsFinite), Is.True);
    }

    [Test]
    public void AShorterBatchAfterALongerOneMatchesAFreshModel([Values] LossMode mode)
    {
        var config = TinyBert.Config(dropout: 0.2f);
        var parameters = TinyBert.Init(config);
        var examples = TinyBert.Examples;
        // The longest examples first, then the shortest in a smaller batch: every buffer holds stale rows.
        int[] byLength = [.. Enumerable.Range(0, examples.Count).OrderBy(e => examples.ValidLens[e])];
        var longBatch = new Batch(TinyBert.BatchSize, examples.MaxLen, examples.PredictionSlots);
        longBatch.Fill(examples, byLength.AsSpan(byLength.Length - TinyBert.BatchSize));
        var shortBatch = new Batch(TinyBert.BatchSize, examples.MaxLen, examples.PredictionSlots);
        shortBatch.Fill(examples, byLength.AsSpan(0, 3));

        using var cpu = new CpuBackend(2);
        var reused = new BertModel(cpu, config, TinyBert.BatchSize, examples.MaxLen, parameters) { LossMode = mode };
        var (mlm, nsp, gradients) = TinyBert.LossAndGradients(reused, longBatch);
        Assert.That(float.IsFinite(mlm) && float.IsFinite(nsp), Is.True);
        var second = TinyBert.LossAndGradients(reused, shortBatch);
        var fresh = TinyBert.LossAndGradients(new BertModel(cpu, config, TinyBert.BatchSize, examples.MaxLen, parameters) { LossMode = mode }, shortBatch);

        Assert.That(second.Mlm, Is.EqualTo(fresh.Mlm));
        Assert.That(second.Nsp, Is.EqualTo(fresh.Nsp));
        Assert.That(second.Gradients, Is.EqualTo(fresh.Gradients));
        Assert.That(gradients, Is.Not.EqualTo(fresh.Gradients), "the two batches should differ");
    }
}
