using System.IO.Compression;
using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>Unpacks the three splits from wikitext-2-v1.zip, which keeps them in a <c>wikitext-2/</c> folder.</summary>
internal static class WikiTextZip
{
    static readonly string[] SplitFiles = [.. WikiTextSource.Splits.Select(WikiTextSource.SplitFile)];

    /// <summary>
    /// The whole archive is read before anything is written, so a read error always means a corrupt
    /// zip and a write error always means a cache problem.
    /// </summary>
    public static void ExtractTo(byte[] zip, string folder)
    {
        foreach (var (name, content) in ReadSplits(zip))
            File.WriteAllBytes(Path.Combine(folder, name), content);
    }

    static List<(string Name, byte[] Content)> ReadSplits(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
            var splits = new List<(string Name, byte[] Content)>();
            // Entries are looked up by exact name and later written under fixed file names, so no path
            // inside the archive can place a file outside the folder.
            foreach (string name in SplitFiles)
                if (archive.GetEntry($"{WikiTextCache.FolderName}/{name}") is { } entry) splits.Add((name, ReadAll(entry)));
            if (!splits.Exists(split => split.Name == WikiTextSource.TrainFile))
                throw new BertNativeException(
                    $"the downloaded zip has no {WikiTextCache.FolderName}/{WikiTextSource.TrainFile} ({Contents(archive)}), so it is not WikiText-2 v1; " +
                    $"set BERTNATIVE_WIKITEXT_URL to a copy of wikitext-2-v1.zip, or pass --data {ErrorText.DataFolder}");
            return splits;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new BertNativeException(
                $"the downloaded wikitext-2-v1.zip is corrupt ({ErrorText.OneLine(e.Message)}) although its checksum matched; " +
                $"check the expected SHA-1, or pass --data {ErrorText.DataFolder}", e);
        }
    }

    static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using Stream source = entry.Open();
        using var content = new MemoryStream();
        source.CopyTo(content);
        return content.ToArray();
    }

    static string Contents(ZipArchive archive)
    {
        var names = archive.Entries.Take(4).Select(entry => entry.FullName).ToList();
        if (names.Count == 0) return "it is empty";
        string more = archive.Entries.Count > names.Count ? $", … {archive.Entries.Count} entries" : "";
        return $"it holds {string.Join(", ", names)}{more}";
    }
}
