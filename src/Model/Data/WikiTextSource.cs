using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// Finds WikiText-2 v1 on disk, downloading it into a per-user cache when needed. In order:
/// the <c>--data</c> folder, $BERTNATIVE_DATA, the cache, then the mirrors.
/// </summary>
public static class WikiTextSource
{
    public const string TrainFile = "wiki.train.tokens";

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
