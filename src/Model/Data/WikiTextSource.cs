using BertNative.Interop;

namespace BertNative.Model.Data;

// Stand-in until the downloader branch lands (same public entry point).
public static class WikiTextSource
{
    public static string Resolve(string? dataDir, TextWriter progress)
    {
        string dir = dataDir ?? Environment.GetEnvironmentVariable("BERTNATIVE_DATA") ?? "";
        if (!File.Exists(Path.Combine(dir, "wiki.train.tokens")))
            throw new BertNativeException($"no wiki.train.tokens in '{dir}'; pass --data a folder holding WikiText-2");
        return dir;
    }
}
