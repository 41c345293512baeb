namespace BertNative.Tests.Support;

/// <summary>Where the tests find WikiText-2: $BERTNATIVE_DATA, else ../shared/data/wikitext-2 beside the repository.</summary>
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
            Assert.Fail("WikiText-2 not found: set BERTNATIVE_DATA to a folder holding wiki.train.tokens");
            return "";
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
