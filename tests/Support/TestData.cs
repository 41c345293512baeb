namespace BertNative.Tests.Support;

/// <summary>Where the tests find WikiText-2: $BERTNATIVE_DATA, ../shared/data/wikitext-2 beside the repository, else the user cache or a download.</summary>
public static class TestData
{
    public static string WikiTextDir
    {
        get
        {
            string? fromEnv = Environment.GetEnvironmentVariable("BERTNATIVE_DATA");
            if (!string.IsNullOrEmpty(fromEnv) && File.Exists(Path.Combine(fromEnv, "wiki.train.tokens")))
                return fromEnv;
            string? beside = RepositoryRoot is { } root ? Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "wikitext-2")) : null;
            if (beside != null && File.Exists(Path.Combine(beside, "wiki.train.tokens")))
                return beside;
            // As a user's run would: the per-user cache, else a download into it.
            try { return BertNative.Model.Data.WikiTextSource.Resolve(dataDir: null, TestContext.Progress); }
            catch (BertNative.Contract.BertNativeException e) { Assert.Fail($"WikiText-2 not found: {e.Message}"); return ""; }
        }
    }

    public static string TrainFile => Path.Combine(WikiTextDir, "wiki.train.tokens");
    public static string ValidFile => Path.Combine(WikiTextDir, "wiki.valid.tokens");

    /// <summary>The folder holding BertNative.sln, found by walking up from the test assembly.</summary>
    public static string? RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "BertNative.sln"))) return dir.FullName;
            return null;
        }
    }
}
