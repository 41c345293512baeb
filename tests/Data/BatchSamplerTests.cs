using BertNative.Model.Data;

namespace BertNative.Tests.Data;

public class BatchSamplerTests
{
    [Test]
    public void EachEpochVisitsEveryExampleOnceAndKeepsTheLastPartialBatch()
    {
        var sampler = new BatchSampler(exampleCount: 10, batchSize: 4, new SeededRandom(1));
        var sizes = new List<int>();
        var firstEpoch = new List<int>();
        for (int i = 0; i < 3; i++) { var b = sampler.Next(); sizes.Add(b.Length); firstEpoch.AddRange(b.ToArray()); }
        Assert.That(sizes, Is.EqualTo(new[] { 4, 4, 2 }));
        Assert.That(firstEpoch.Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        var secondEpoch = new List<int>();
        for (int i = 0; i < 3; i++) secondEpoch.AddRange(sampler.Next().ToArray());
        Assert.That(sampler.Epoch, Is.EqualTo(2));
        Assert.That(secondEpoch.Order(), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.That(secondEpoch, Is.Not.EqualTo(firstEpoch), "reshuffled each epoch");
    }

    [Test]
    public void BatchGathersRowsAndSumsWeights()
    {
        var e = ExampleBuilder.Build(Corpus.Parse(string.Concat(Enumerable.Repeat(" a b c . d e . f g h i . ", 20))), 16, 2);
        var batch = new Batch(capacity: 4, e.MaxLen, e.PredictionSlots);
        batch.Fill(e, [2, 0]);
        Assert.Multiple(() =>
        {
            Assert.That(batch.Size, Is.EqualTo(2));
            Assert.That(batch.TokenIds.AsSpan(0, 16).ToArray(), Is.EqualTo(e.TokenIds.AsSpan(32, 16).ToArray()));
            Assert.That(batch.ValidLens[1], Is.EqualTo(e.ValidLens[0]));
            Assert.That(batch.MlmWeightSum, Is.EqualTo(e.MlmWeights.AsSpan(2 * e.PredictionSlots, e.PredictionSlots).ToArray().Sum()
                                                    + e.MlmWeights.AsSpan(0, e.PredictionSlots).ToArray().Sum()));
        });
    }

    [Test]
    public void SeededRandomIsReproducibleAndUniform()
    {
        var a = new SeededRandom(42);
        var b = new SeededRandom(42);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
        {
            int x = a.NextInt(7);
            Assert.That(b.NextInt(7), Is.EqualTo(x));
            counts[x]++;
        }
        Assert.That(counts, Has.All.InRange(9_500, 10_500));
    }
}
