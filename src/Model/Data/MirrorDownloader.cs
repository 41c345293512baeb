using System.Net;
using System.Security.Cryptography;
using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>Downloads the WikiText-2 zip from the first mirror that serves bytes with the expected SHA-1.</summary>
internal static class MirrorDownloader
{
    /// <summary>The real zip is about 4.5 MB; anything far larger is not it, and is not worth holding in memory.</summary>
    const long MaxBytes = 64L << 20;

    public static byte[] Download(WikiTextSourceOptions options, TextWriter progress)
    {
        if (options.Mirrors.Count == 0)
            throw new BertNativeException($"no WikiText-2 mirror is configured; set BERTNATIVE_WIKITEXT_URL to a URL of wikitext-2-v1.zip, or pass --data {ErrorText.DataFolder}");

        using HttpClient http = CreateClient(options.Timeout);
        var failures = new List<string>();
        foreach (Uri mirror in options.Mirrors)
        {
            progress.WriteLine($"Downloading WikiText-2 from {mirror}");
            string? failure = TryMirror(http, mirror, options, progress, out byte[] zip);
            if (failure == null) return zip;
            progress.WriteLine($"  failed: {failure}");
            failures.Add($"{mirror}: {failure}");
        }
        throw new BertNativeException(
            $"could not download WikiText-2 from any mirror: {string.Join("; ", failures)}. " +
            $"Check the network or set BERTNATIVE_WIKITEXT_URL to a working copy of wikitext-2-v1.zip, or pass --data {ErrorText.DataFolder}");
    }

    /// <summary>The zip's bytes if they arrive whole and match the checksum; otherwise why not, in a few words.</summary>
    static string? TryMirror(HttpClient http, Uri mirror, WikiTextSourceOptions options, TextWriter progress, out byte[] zip)
    {
        zip = [];
        // One deadline covers the request and the whole body, so a stalled transfer ends too.
        using var deadline = new CancellationTokenSource(options.Timeout);
        try
        {
            zip = FetchAsync(http, mirror, progress, deadline.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return $"timed out after {options.Timeout.TotalSeconds:0.#} s";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // A connect timeout surfaces as a cancellation whose inner exception says what happened.
            return ErrorText.OneLine(e is OperationCanceledException { InnerException: { } inner } ? inner.Message : e.Message);
        }

        string actual = Convert.ToHexStringLower(SHA1.HashData(zip));
        return actual.Equals(options.Sha1, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"SHA-1 checksum mismatch (expected {options.Sha1.ToLowerInvariant()}, got {actual})";
    }

    static async Task<byte[]> FetchAsync(HttpClient http, Uri mirror, TextWriter progress, CancellationToken cancel)
    {
        using HttpResponseMessage response = await http.GetAsync(mirror, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
        long? length = response.Content.Headers.ContentLength;
        if (length > MaxBytes) throw new HttpRequestException($"the file is {length} bytes, far more than WikiText-2");

        await using Stream body = await response.Content.ReadAsStreamAsync(cancel);
        var bytes = new MemoryStream(length is { } known ? (int)known : 0);
        var meter = new DownloadProgress(progress, length);
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancel)) > 0)
            {
                bytes.Write(buffer, 0, read);
                if (bytes.Length > MaxBytes) throw new HttpRequestException($"the file is over {MaxBytes} bytes, far more than WikiText-2");
                meter.Report(bytes.Length);
            }
        }
        finally
        {
            meter.Finish(bytes.Length);
        }
        if (length is { } expected && bytes.Length != expected)
            throw new HttpRequestException($"the transfer ended after {bytes.Length} of {expected} bytes");
        return bytes.ToArray();
    }

    static HttpClient CreateClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            // A dead host should not use up the whole download allowance before the next mirror is tried.
            ConnectTimeout = timeout < TimeSpan.FromSeconds(30) ? timeout : TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("BertNative/1.0");
        return http;
    }
}
