using System.Diagnostics;

namespace BertNative.Model.Data;

/// <summary>The whole docs/model-spec.md §1 pipeline in one call: read wiki.train.tokens, build the vocabulary and the examples.</summary>
public sealed record WikiTextDataset(Corpus Corpus, PretrainingExamples Examples, DatasetStatistics Statistics)
{
    public static WikiTextDataset Load(string dataDir, int maxLen, ulong seed, string split = WikiTextSource.TrainSplit)
    {
        var clock = Stopwatch.StartNew();
        var corpus = Corpus.Read(WikiTextSource.SplitPath(dataDir, split));
        double readSeconds = clock.Elapsed.TotalSeconds;
        var examples = ExampleBuilder.Build(corpus, maxLen, seed);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        return new WikiTextDataset(corpus, examples, DatasetStatistics.Of(corpus, examples, readSeconds, buildSeconds));
    }
}
