using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>Where <see cref="WikiTextSource"/> looks for WikiText-2 and how it downloads it.</summary>
/// <param name="DataDir">A folder the user named (<c>--data</c>): used as it is, never written to.</param>
/// <param name="CacheDir">The per-user cache root; WikiText-2 is kept in its <c>wikitext-2</c> subfolder.</param>
/// <param name="Mirrors">URLs of <c>wikitext-2-v1.zip</c>, tried in order.</param>
/// <param name="Sha1">The expected SHA-1 of the zip, hex.</param>
/// <param name="Timeout">The limit for one mirror's whole download, headers and body.</param>
public sealed record WikiTextSourceOptions(string? DataDir, string CacheDir, IReadOnlyList<Uri> Mirrors, string Sha1, TimeSpan Timeout)
{
    /// <summary>SHA-1 of WikiText-2 v1 (tokenized) as published with the dataset and used by the book.</summary>
    public const string WikiText2ZipSha1 = "3c914d17d80b1459be871a5039ac23e752a53cbe";

    /// <summary>
    /// Live copies of the zip. The book's S3 URL (research.metamind.io) answers 403 since the bucket
    /// was closed, so it is left out; the dataset's author hosts the same archive here.
    /// </summary>
    public static readonly IReadOnlyList<Uri> KnownMirrors = [new("https://wikitext.smerity.com/wikitext-2-v1.zip")];

    /// <summary>The settings a user gets: cache and extra mirror from the environment, the known mirrors, the real checksum.</summary>
    public static WikiTextSourceOptions Default(string? dataDir) =>
        new(dataDir, DefaultCacheDir(), DefaultMirrors(), WikiText2ZipSha1, TimeSpan.FromMinutes(10));

    /// <summary>$BERTNATIVE_CACHE, else $XDG_CACHE_HOME/bertnative, else ~/.cache/bertnative.</summary>
    static string DefaultCacheDir()
    {
        if (EnvironmentVariable.NonEmpty("BERTNATIVE_CACHE") is { } cache) return Path.GetFullPath(cache);
        if (EnvironmentVariable.NonEmpty("XDG_CACHE_HOME") is { } xdg) return Path.GetFullPath(Path.Combine(xdg, "bertnative"));
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.GetFullPath(Path.Combine(home, ".cache", "bertnative"));
    }

    /// <summary>$BERTNATIVE_WIKITEXT_URL first (a mirror the user trusts), then the known ones.</summary>
    static IReadOnlyList<Uri> DefaultMirrors()
    {
        if (EnvironmentVariable.NonEmpty("BERTNATIVE_WIKITEXT_URL") is not { } url) return KnownMirrors;
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? extra) || (extra.Scheme != Uri.UriSchemeHttp && extra.Scheme != Uri.UriSchemeHttps))
            throw new BertNativeException(
                $"BERTNATIVE_WIKITEXT_URL='{url}' is not an http(s) URL; set it to the full URL of wikitext-2-v1.zip, or unset it");
        return [extra, .. KnownMirrors];
    }
}
