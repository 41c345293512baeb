using BertNative.Model.Data;

namespace BertNative.Bench.Step;

/// <summary>Finds WikiText-2 for the step benchmark: $BERTNATIVE_DATA, else the shared folder beside the
/// repository (../shared/data/wikitext-2), else the user's cache or a download (<see cref="WikiTextSource"/>).</summary>
public static class BenchData
{
    public static string Folder()
    {
        if (Environment.GetEnvironmentVariable("BERTNATIVE_DATA") is not { Length: > 0 } && SharedFolder() is { } shared)
            return shared;
        return WikiTextSource.Resolve((string?)null, Console.Error);
    }

    /// <summary>../shared/data/wikitext-2 from the repository root, found by walking up from the working
    /// directory and from the bench's own folder to the one holding BertNative.sln.</summary>
    static string? SharedFolder()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "BertNative.sln"))) continue;
                string candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "wikitext-2"));
                if (File.Exists(Path.Combine(candidate, WikiTextSource.TrainFile))) return candidate;
                break;
            }
        }
        return null;
    }
}
