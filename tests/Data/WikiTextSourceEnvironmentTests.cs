using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Tests.Data;

/// <summary>The environment variables the CLI path reads; each test restores what it changed.</summary>
[NonParallelizable]
public class WikiTextSourceEnvironmentTests
{
    static readonly string[] Variables = ["BERTNATIVE_DATA", "BERTNATIVE_CACHE", "BERTNATIVE_WIKITEXT_URL", "XDG_CACHE_HOME"];
    readonly Dictionary<string, string?> _saved = [];

    [SetUp]
    public void Save()
    {
        foreach (string name in Variables) _saved[name] = Environment.GetEnvironmentVariable(name);
    }

    [TearDown]
    public void Restore()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
    }

    [Test]
    public void DefaultsComeFromTheEnvironment()
    {
        Environment.SetEnvironmentVariable("BERTNATIVE_CACHE", "/tmp/bn-cache");
        Environment.SetEnvironmentVariable("BERTNATIVE_WIKITEXT_URL", "http://127.0.0.1:9/w.zip");

        var options = WikiTextSourceOptions.Default("some/dir");

        Assert.That(options.DataDir, Is.EqualTo("some/dir"));
        Assert.That(options.CacheDir, Is.EqualTo(Path.GetFullPath("/tmp/bn-cache")));
        Assert.That(options.Mirrors, Is.EqualTo(new[] { new Uri("http://127.0.0.1:9/w.zip") }.Concat(WikiTextSourceOptions.KnownMirrors)));
        Assert.That(options.Sha1, Is.EqualTo("3c914d17d80b1459be871a5039ac23e752a53cbe"));
    }

    [Test]
    public void CacheFallsBackToXdgCacheHome()
    {
        Environment.SetEnvironmentVariable("BERTNATIVE_CACHE", null);
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg");

        Assert.That(WikiTextSourceOptions.Default(null).CacheDir, Is.EqualTo(Path.GetFullPath("/tmp/xdg/bertnative")));
    }

    [Test]
    public void AMalformedMirrorUrlIsAnError()
    {
        Environment.SetEnvironmentVariable("BERTNATIVE_WIKITEXT_URL", "wikitext.zip");

        var error = Assert.Throws<BertNativeException>(() => WikiTextSourceOptions.Default(null));

        Assert.That(error.Message, Does.Contain("BERTNATIVE_WIKITEXT_URL"));
    }

    [Test]
    public void DataVariableWithoutTrainFileNamesTheVariable()
    {
        string empty = Directory.CreateTempSubdirectory("bertnative-data-").FullName;
        try
        {
            Environment.SetEnvironmentVariable("BERTNATIVE_DATA", empty);

            var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(dataDir: null, TextWriter.Null));

            Assert.That(error.Message, Does.StartWith("BERTNATIVE_DATA: no wiki.train.tokens in"));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }
}
