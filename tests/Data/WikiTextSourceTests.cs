using BertNative.Contract;
using BertNative.Model.Data;
using BertNative.Tests.Support;
using Reply = BertNative.Tests.Data.LoopbackHttpServer.Reply;

namespace BertNative.Tests.Data;

public class WikiTextSourceTests
{
    const string ZipPath = "/wikitext-2-v1.zip";

    string _cacheDir = "";
    readonly StringWriter _progress = new();

    [SetUp]
    public void CreateCache() => _cacheDir = Directory.CreateTempSubdirectory("bertnative-cache-").FullName;

    [TearDown]
    public void DeleteCache()
    {
        Directory.Delete(_cacheDir, recursive: true);
        _progress.GetStringBuilder().Clear();
    }

    string PublishedFolder => Path.Combine(_cacheDir, "wikitext-2");

    WikiTextSourceOptions Options(string sha1, params Uri[] mirrors) =>
        new(DataDir: null, _cacheDir, mirrors, sha1, TimeSpan.FromSeconds(10));

    static LoopbackHttpServer Serve(byte[] zip) => new(new Dictionary<string, Reply> { [ZipPath] = Reply.Ok(zip) });

    [Test]
    public void DownloadsExtractsAndThenServesFromTheCache()
    {
        byte[] zip = FakeWikiText.Zip();
        using var server = Serve(zip);
        var options = Options(FakeWikiText.Sha1(zip), server.Url(ZipPath));

        string folder = WikiTextSource.Resolve(options, _progress);

        Assert.That(folder, Is.EqualTo(PublishedFolder));
        Assert.That(File.ReadAllText(Path.Combine(folder, "wiki.train.tokens")), Is.EqualTo(FakeWikiText.TrainText));
        Assert.That(File.Exists(Path.Combine(folder, "wiki.valid.tokens")) && File.Exists(Path.Combine(folder, "wiki.test.tokens")));
        Assert.That(_progress.ToString(), Does.Contain("100%"));
        Assert.That(server.RequestCount, Is.EqualTo(1));

        Assert.That(WikiTextSource.Resolve(options, _progress), Is.EqualTo(folder));
        Assert.That(server.RequestCount, Is.EqualTo(1), "the second Resolve must use the cache");
        Assert.That(Directory.GetDirectories(_cacheDir), Is.EqualTo(new[] { folder }), "no staging folder may remain");
    }

    [Test]
    public void WrongChecksumFailsAndLeavesNoCache()
    {
        byte[] zip = FakeWikiText.Zip();
        using var server = Serve(zip);
        string wrong = new('0', 40);

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(Options(wrong, server.Url(ZipPath)), _progress));

        Assert.That(error.Message, Does.Contain("checksum").And.Contain(wrong).And.Contain(FakeWikiText.Sha1(zip)));
        AssertNoCache();
    }

    [Test]
    public void CorruptZipFailsAndLeavesNoCache()
    {
        byte[] good = FakeWikiText.Zip();
        byte[] truncated = good[..(good.Length / 2)];
        using var server = Serve(truncated);

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(Options(FakeWikiText.Sha1(truncated), server.Url(ZipPath)), _progress));

        Assert.That(error.Message, Does.Contain("corrupt").And.Contain("--data"));
        AssertNoCache();
    }

    [Test]
    public void ZipWithoutTrainFileFailsAndLeavesNoCache()
    {
        byte[] zip = FakeWikiText.ZipOf(("wikitext-2/wiki.valid.tokens", " only valid . \n"));
        using var server = Serve(zip);

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(Options(FakeWikiText.Sha1(zip), server.Url(ZipPath)), _progress));

        Assert.That(error.Message, Does.Contain("wiki.train.tokens").And.Contain("wikitext-2/wiki.valid.tokens"));
        AssertNoCache();
    }

    [Test]
    public void FallsBackToTheNextMirrorAfterA404()
    {
        byte[] zip = FakeWikiText.Zip();
        using var server = Serve(zip);

        string folder = WikiTextSource.Resolve(Options(FakeWikiText.Sha1(zip), server.Url("/gone.zip"), server.Url(ZipPath)), _progress);

        Assert.That(File.Exists(Path.Combine(folder, "wiki.train.tokens")));
        Assert.That(server.RequestCount, Is.EqualTo(2));
        Assert.That(_progress.ToString(), Does.Contain("404"));
    }

    [Test]
    public void WhenEveryMirrorFailsTheErrorListsEachOne()
    {
        using var server = Serve(FakeWikiText.Zip());
        Uri missing = server.Url("/gone.zip");
        Uri closed = LoopbackHttpServer.ClosedPortUrl();

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(Options(WikiTextSourceOptions.WikiText2ZipSha1, missing, closed), _progress));

        Assert.That(error.Message, Does.Contain($"{missing}: HTTP 404").And.Contain($"{closed}:").And.Contain("--data"));
        Assert.That(error.Message, Does.Not.Contain("\n"));
        AssertNoCache();
    }

    [Test]
    public void AMirrorThatNeverAnswersTimesOut()
    {
        using var server = new LoopbackHttpServer(new Dictionary<string, Reply> { [ZipPath] = Reply.Silence });
        var options = Options(WikiTextSourceOptions.WikiText2ZipSha1, server.Url(ZipPath)) with { Timeout = TimeSpan.FromMilliseconds(500) };

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(options, _progress));

        Assert.That(error.Message, Does.Contain("timed out"));
    }

    [Test]
    public void DataFolderWithoutTrainFileIsAnError()
    {
        var options = Options(WikiTextSourceOptions.WikiText2ZipSha1) with { DataDir = _cacheDir };

        var error = Assert.Throws<BertNativeException>(() => WikiTextSource.Resolve(options, _progress));

        Assert.That(error.Message, Does.Contain($"no wiki.train.tokens in {_cacheDir}").And.Contain("pass --data a folder holding WikiText-2"));
    }

    [Test]
    public void TheRealDataFolderResolvesToItself()
    {
        string real = TestData.WikiTextDir;

        Assert.That(WikiTextSource.Resolve(real, _progress), Is.EqualTo(Path.GetFullPath(real)));
    }

    [Test]
    public void ALeftoverStagingFolderIsNeitherUsedNorKept()
    {
        // An interrupted run left a staging folder that even holds a train file; it must not count as the cache.
        string leftover = Path.Combine(_cacheDir, WikiTextCache.StagingPrefix + "interrupted");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "wiki.train.tokens"), "half");
        Directory.SetLastWriteTimeUtc(leftover, DateTime.UtcNow - TimeSpan.FromDays(1));
        byte[] zip = FakeWikiText.Zip();
        using var server = Serve(zip);

        string folder = WikiTextSource.Resolve(Options(FakeWikiText.Sha1(zip), server.Url(ZipPath)), _progress);

        Assert.That(folder, Is.EqualTo(PublishedFolder));
        Assert.That(server.RequestCount, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(folder, "wiki.train.tokens")), Is.EqualTo(FakeWikiText.TrainText));
        Assert.That(Directory.Exists(leftover), Is.False, "an abandoned staging folder is cleaned up");
    }

    [Test]
    public void ACacheFolderWithoutTrainFileIsReplaced()
    {
        Directory.CreateDirectory(PublishedFolder);
        File.WriteAllText(Path.Combine(PublishedFolder, "wiki.valid.tokens"), "stray");
        byte[] zip = FakeWikiText.Zip();
        using var server = Serve(zip);

        string folder = WikiTextSource.Resolve(Options(FakeWikiText.Sha1(zip), server.Url(ZipPath)), _progress);

        Assert.That(server.RequestCount, Is.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(folder, "wiki.train.tokens")), Is.EqualTo(FakeWikiText.TrainText));
        Assert.That(Directory.GetDirectories(_cacheDir), Is.EqualTo(new[] { folder }));
    }

    void AssertNoCache() =>
        Assert.That(Directory.GetFileSystemEntries(_cacheDir), Is.Empty, "a failed download must leave neither a cache nor a staging folder");
}
