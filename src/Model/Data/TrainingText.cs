using System.Diagnostics;
using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// The text a run trains on: WikiText-2's wiki.train.tokens (the default) or --corpus, a file or a folder of .txt
/// files in the same paragraph format (one paragraph per line, sentences separated by " . ", tokens by spaces;
/// lines without " . " are skipped). Checks that the text gives enough examples for the batch.
/// </summary>
public static class TrainingText
{
    /// <summary>Reads a --corpus file, or every .txt file of a --corpus folder in name order, as one text.</summary>
    public static string ReadCorpusText(string path)
    {
        if (File.Exists(path)) return Corpus.ReadText(path);
        if (!Directory.Exists(path)) throw new BertNativeException($"--corpus {path}: no such file or folder");
        var files = Directory.GetFiles(path, "*.txt").Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new BertNativeException($"--corpus {path}: the folder holds no .txt files");
        return string.Join('\n', files.Select(Corpus.ReadText));
    }

    /// <summary>The training data: <paramref name="corpusPath"/> when given, else wiki.train.tokens in <paramref name="wikiTextDir"/>.</summary>
    /// <param name="vocabulary">The vocabulary to map the text with (continued pretraining); null builds one from the text.</param>
    public static (WikiTextDataset Dataset, string Source) Load(string? corpusPath, string? wikiTextDir, int maxLen, ulong seed, int minFrequency, int batchSize,
        Vocabulary? vocabulary = null)
    {
        string source = corpusPath ?? Path.Combine(wikiTextDir ?? throw new ArgumentNullException(nameof(wikiTextDir)), WikiTextSource.TrainFile);
        string text = corpusPath != null ? ReadCorpusText(corpusPath) : Corpus.ReadText(source);
        return (Build(text, source, maxLen, seed, minFrequency, batchSize, vocabulary), source);
    }

    /// <summary>Builds the training examples of a text (from <paramref name="source"/>, for messages).</summary>
    public static WikiTextDataset Build(string text, string source, int maxLen, ulong seed, int minFrequency, int batchSize, Vocabulary? vocabulary = null)
    {
        var clock = Stopwatch.StartNew();
        var corpus = Corpus.Parse(text, vocabulary, minFrequency);
        double readSeconds = clock.Elapsed.TotalSeconds;
        if (corpus.ParagraphCount == 0)
            throw new BertNativeException($"{source} has no paragraphs: BertNative reads one paragraph per line with sentences separated by \" . \" (WikiText's format), and no line has one");
        var examples = ExampleBuilder.Build(corpus, maxLen, seed);
        if (examples.Count == 0)
            throw new BertNativeException(corpus.SentenceCount == corpus.ParagraphCount
                ? $"{source} gives no sentence pairs: every paragraph has one sentence; NSP needs paragraphs of two or more sentences separated by \" . \""
                : $"{source} gives no sentence pairs of at most {maxLen} tokens; use a larger --max-len");
        if (examples.Count < batchSize)
            throw new BertNativeException($"{source} gives {examples.Count:N0} examples, fewer than the {batchSize:N0} pairs of one step (--batch x --accumulate); lower --batch to at most {examples.Count:N0} or use more text");
        return new WikiTextDataset(corpus, examples, DatasetStatistics.Of(corpus, examples, readSeconds, clock.Elapsed.TotalSeconds));
    }
}
