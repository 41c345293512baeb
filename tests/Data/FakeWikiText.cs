using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace BertNative.Tests.Data;

/// <summary>Tiny stand-ins for wikitext-2-v1.zip, built in memory.</summary>
internal static class FakeWikiText
{
    public const string TrainText = " = Fake = \n the cat sat . the dog ran . \n";

    public static byte[] Zip() => ZipOf(
        ("wikitext-2/wiki.train.tokens", TrainText),
        ("wikitext-2/wiki.valid.tokens", " a valid line . \n"),
        ("wikitext-2/wiki.test.tokens", " a test line . \n"));

    public static byte[] ZipOf(params (string Path, string Text)[] files)
    {
        using var bytes = new MemoryStream();
        using (var archive = new ZipArchive(bytes, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (path, text) in files)
            {
                using Stream entry = archive.CreateEntry(path).Open();
                entry.Write(Encoding.UTF8.GetBytes(text));
            }
        return bytes.ToArray();
    }

    public static string Sha1(byte[] bytes) => Convert.ToHexStringLower(SHA1.HashData(bytes));
}
