using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// Finds WikiText-2 v1 on disk, downloading it into a per-user cache when needed. In order:
/// the <c>--data</c> folder, $BERTNATIVE_DATA, the cache, then the mirrors.
/// </summary>
public static class WikiTextSource
{
    public const string TrainSplit = "train", ValidSplit = "valid", TestSplit = "test";
    public static readonly string[] Splits = [TrainSplit, ValidSplit, TestSplit];

    /// <summary>The file of a split: wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens.</summary>
    public static string SplitFile(string split) => $"wiki.{split}.tokens";

    public static string SplitPath(string folder, string split) => Path.Combine(folder, SplitFile(split));

    public static readonly string TrainFile = SplitFile(TrainSplit);

    /// <summary>For a development checkout (the tests, the benchmarks): $BERTNATIVE_DATA, else WikiText-2 in
    /// ../shared/data/wikitext-2 beside the repository that holds one of <paramref name="startFolders"/> (the folder with
    /// BertNative.sln), else what a user's run finds (<see cref="Resolve(string?, TextWriter)"/>).</summary>
    public static string ResolveForCheckout(IEnumerable<string> startFolders, TextWriter progress)
    {
        if (EnvironmentVariable.NonEmpty("BERTNATIVE_DATA") is null)
        {
            foreach (string start in startFolders)
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                {
                    if (!File.Exists(Path.Combine(dir.FullName, "BertNative.sln"))) continue;
                    string beside = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "wikitext-2"));
                    if (File.Exists(Path.Combine(beside, TrainFile))) return beside;
                    break;
                }
        }
        return Resolve((string?)null, progress);
    }

    /// <summary>Returns a folder holding wiki.train.tokens; every failure is a <see cref="BertNativeException"/>.</summary>
    /// <param name="dataDir">The <c>--data</c> folder, or null to look further.</param>
    /// <param name="progress">Where download progress is drawn (stderr in the CLI).</param>
    public static string Resolve(string? dataDir, TextWriter progress)
    {
        if (dataDir == null && EnvironmentVariable.NonEmpty("BERTNATIVE_DATA") is { } fromEnv)
            return RequireTrainFile(fromEnv, "BERTNATIVE_DATA", "set BERTNATIVE_DATA to");
        return Resolve(WikiTextSourceOptions.Default(dataDir), progress);
    }

    /// <summary>Like <see cref="Resolve(string?, TextWriter)"/> but reads no environment: everything comes from <paramref name="options"/>.</summary>
    public static string Resolve(WikiTextSourceOptions options, TextWriter progress)
    {
        if (options.DataDir != null) return RequireTrainFile(options.DataDir, "--data", "pass --data");

        var cache = new WikiTextCache(options.CacheDir);
        if (cache.CompleteFolder() is { } cached) return cached;

        byte[] zip = MirrorDownloader.Download(options, progress);
        string published = cache.Publish(staging => WikiTextZip.ExtractTo(zip, staging));
        progress.WriteLine($"WikiText-2 is in {published}");
        return published;
    }

    static string RequireTrainFile(string folder, string source, string fix)
    {
        string full = Path.GetFullPath(folder);
        if (File.Exists(Path.Combine(full, TrainFile))) return full;
        string why = Directory.Exists(full) ? "" : " (no such folder)";
        throw new BertNativeException($"{source}: no {TrainFile} in {full}{why}; {fix} {ErrorText.DataFolder}");
    }
}
