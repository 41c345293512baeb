using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Tests.Ops;

namespace BertNative.Tests.Model;

/// <summary>The encoder runs on packed rows (valid tokens only), their count possibly rounded up with inert rows.
/// Nothing of the padding, of the extra rows, or of what a previous batch left in the buffers may reach the
/// losses or the gradients.</summary>
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
    public void ABatchWithoutPaddingSkipsPackingAndGivesTheSameBits([Values] bool withMask)
    {
        // Examples that fill every position run with packed = padded rows (no gathers); the same examples in longer
        // buffers go through the gathers. Losses and gradients must agree bit for bit, with or without a key mask.
        var config = TinyBert.HuggingFaceConfig();
        var parameters = TinyBert.Init(config);
        var source = TinyBert.FirstBatch(4);
        int T = source.ValidLens.Take(4).Min();
        Batch Holding(int maxLen)
        {
            int P = PretrainingExamples.PredictionSlotsFor(maxLen);
            var examples = new PretrainingExamples
            {
                Vocabulary = TinyBert.Examples.Vocabulary, Seed = 0, Count = 4, MaxLen = maxLen, PredictionSlots = P,
                TokenIds = new int[4 * maxLen], Segments = new int[4 * maxLen], ValidLens = [T, T, T, T],
                PredPositions = new int[4 * P], MlmWeights = new float[4 * P], MlmLabels = new int[4 * P], NspLabels = [.. source.NspLabels.Take(4)],
            };
            for (int b = 0; b < 4; b++)
            {
                source.TokenIds.AsSpan(b * source.MaxLen, T).CopyTo(examples.TokenIds.AsSpan(b * maxLen));
                source.Segments.AsSpan(b * source.MaxLen, T).CopyTo(examples.Segments.AsSpan(b * maxLen));
                for (int slot = 0; slot < 3; slot++)
                    (examples.PredPositions[b * P + slot], examples.MlmWeights[b * P + slot], examples.MlmLabels[b * P + slot]) = (1 + slot, 1f, 10 + slot);
            }
            var batch = new Batch(4, maxLen, P);
            batch.Fill(examples, [0, 1, 2, 3]);
            if (withMask) batch.MaskKeys([.. Enumerable.Range(0, 4 * maxLen).Select(i => i % maxLen == 1 ? 0 : 1)]);
            return batch;
        }
        using var cpu = new CpuBackend(2);
        var unpadded = TinyBert.LossAndGradients(cpu, config, parameters, Holding(T), LossMode.Intended);
        var gathered = TinyBert.LossAndGradients(cpu, config, parameters, Holding(T + 5), LossMode.Intended);
        Assert.That((unpadded.Mlm, unpadded.Nsp), Is.EqualTo((gathered.Mlm, gathered.Nsp)));
        Assert.That(unpadded.Gradients, Is.EqualTo(gathered.Gradients));
        Assert.That(unpadded.Gradients.All(float.IsFinite), Is.True);
    }

    [Test]
    public void AShorterBatchAfterALongerOneMatchesAFreshModel([Values] LossMode mode)
    {
        var config = TinyBert.Config(dropout: 0.2f);
        var parameters = TinyBert.Init(config);
        var examples = TinyBert.Examples;
        // The longest examples first, then the shortest in a smaller batch: every buffer holds stale rows.
        var longBatch = BatchByLength(longest: true, TinyBert.BatchSize);
        var shortBatch = BatchByLength(longest: false, 3);

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

    [Test]
    public void RoundingTheRowCountsUpChangesNothing([Values] LossMode mode, [Values(7, 128)] int rowMultiple)
    {
        var config = TinyBert.Config(dropout: 0.2f);
        var parameters = TinyBert.Init(config);
        var examples = TinyBert.Examples;
        var longBatch = BatchByLength(longest: true, TinyBert.BatchSize);
        var batch = TinyBert.FirstBatch();
        using var cpu = new CpuBackend(2);
        var exact = TinyBert.LossAndGradients(new BertModel(cpu, config, TinyBert.BatchSize, examples.MaxLen, parameters) { LossMode = mode }, batch);

        // After a long batch, so that the extra rows would pick up stale values if they read any.
        var rounded = new BertModel(cpu, config, TinyBert.BatchSize, examples.MaxLen, parameters, rowMultiple) { LossMode = mode };
        TinyBert.LossAndGradients(rounded, longBatch);
        var result = TinyBert.LossAndGradients(rounded, batch);

        Assert.That(result.Mlm, Is.EqualTo(exact.Mlm));
        Assert.That(result.Nsp, Is.EqualTo(exact.Nsp));
        // Per tensor, to float rounding: reductions over rows (LayerNorm's gamma, say) are chunked by row count.
        foreach (var slot in rounded.Layout.Slots)
        {
            int count = slot.Shape.Aggregate(1, (a, b) => a * b);
            double[] Part(float[] all) => [.. all.AsSpan((int)slot.Offset, count).ToArray().Select(v => (double)v)];
            ParityAssert.Close(slot.Name, Part(exact.Gradients), Part(result.Gradients), 1e-6);
        }
    }

    /// <summary>The longest (or shortest) examples of the tiny set, in a batch of capacity TinyBert.BatchSize.</summary>
    private static Batch BatchByLength(bool longest, int size)
    {
        var examples = TinyBert.Examples;
        int[] byLength = [.. Enumerable.Range(0, examples.Count).OrderBy(e => examples.ValidLens[e])];
        var batch = new Batch(TinyBert.BatchSize, examples.MaxLen, examples.PredictionSlots);
        batch.Fill(examples, longest ? byLength.AsSpan(byLength.Length - size) : byLength.AsSpan(0, size));
        return batch;
    }
}
