using BertNative.Model.Data;

namespace BertNative.Tests.Support;

/// <summary>Where the tests find WikiText-2: $BERTNATIVE_DATA, ../shared/data/wikitext-2 beside the repository, else the user cache or a download.</summary>
public static class TestData
{
    public static string WikiTextDir
    {
        get
        {
            try { return WikiTextSource.ResolveForCheckout([AppContext.BaseDirectory], TestContext.Progress); }
            catch (BertNative.Contract.BertNativeException e) { Assert.Fail($"WikiText-2 not found: {e.Message}"); return ""; }
        }
    }

    public static string TrainFile => WikiTextSource.SplitPath(WikiTextDir, WikiTextSource.TrainSplit);
    public static string ValidFile => WikiTextSource.SplitPath(WikiTextDir, WikiTextSource.ValidSplit);

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
