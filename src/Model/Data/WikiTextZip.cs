using System.IO.Compression;
using BertNative.Interop;

namespace BertNative.Model.Data;

/// <summary>Unpacks the three splits from wikitext-2-v1.zip, which keeps them in a <c>wikitext-2/</c> folder.</summary>
internal static class WikiTextZip
{
    static readonly string[] SplitFiles = [WikiTextSource.TrainFile, "wiki.valid.tokens", "wiki.test.tokens"];

    public static void ExtractTo(byte[] zip, string folder)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
            // Entries are looked up by their exact names and written under fixed file names, so no path
            // inside the archive can place a file outside the folder.
            var splits = new List<(string Name, ZipArchiveEntry Entry)>();
            foreach (string name in SplitFiles)
                if (archive.GetEntry($"{WikiTextCache.FolderName}/{name}") is { } entry) splits.Add((name, entry));
            if (!splits.Exists(split => split.Name == WikiTextSource.TrainFile))
                throw new BertNativeException(
                    $"the downloaded zip has no {WikiTextCache.FolderName}/{WikiTextSource.TrainFile} ({Contents(archive)}), so it is not WikiText-2 v1; " +
                    $"set BERTNATIVE_WIKITEXT_URL to a copy of wikitext-2-v1.zip, or pass --data {ErrorText.DataFolder}");
            foreach (var (name, entry) in splits)
                entry.ExtractToFile(Path.Combine(folder, name));
        }
        catch (InvalidDataException e)
        {
            throw new BertNativeException(
                $"the downloaded wikitext-2-v1.zip is corrupt ({ErrorText.OneLine(e.Message)}) although its checksum matched; " +
                $"check the expected SHA-1, or pass --data {ErrorText.DataFolder}", e);
        }
    }

    static string Contents(ZipArchive archive)
    {
        var names = archive.Entries.Take(4).Select(entry => entry.FullName).ToList();
        if (names.Count == 0) return "it is empty";
        string more = archive.Entries.Count > names.Count ? $", … {archive.Entries.Count} entries" : "";
        return $"it holds {string.Join(", ", names)}{more}";
    }
}
