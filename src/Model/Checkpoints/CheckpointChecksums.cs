using System.Security.Cryptography;
using BertNative.Contract;

namespace BertNative.Model.Checkpoints;

/// <summary>
/// checksums.sha256: the SHA-256 of every other file of a checkpoint, in sha256sum's format (so `sha256sum -c` checks it
/// too), written last when a checkpoint is saved. Every reader checks the files it reads against it: a byte changed in
/// model.safetensors, a reordered vocab.txt or a truncated moment file is refused instead of trained on. A checkpoint
/// saved before checksums existed has no manifest; it loads with a warning.
/// </summary>
public static class CheckpointChecksums
{
    public const string FileName = "checksums.sha256";

    /// <summary>Hashes every file in <paramref name="folder"/> (a checkpoint being saved) into its manifest.</summary>
    public static void Write(string folder)
    {
        var lines = Directory.GetFiles(folder).Select(Path.GetFileName).Where(n => n != FileName).Order(StringComparer.Ordinal)
            .Select(name => $"{Hash(Path.Combine(folder, name!))}  {name}");
        File.WriteAllLines(Path.Combine(folder, FileName), lines);
    }

    /// <summary>Checks <paramref name="files"/> of the checkpoint in <paramref name="folder"/> against its manifest; a file that
    /// differs is one line naming it and what to do. Without a manifest, <paramref name="warn"/> hears that nothing was checked.</summary>
    public static void Verify(string folder, IEnumerable<string> files, Action<string>? warn = null)
    {
        string manifest = Path.Combine(folder, FileName);
        if (Directory.Exists(manifest))
            throw new BertNativeException($"{manifest} is a folder, not the checkpoint's checksums; restore the checkpoint from a copy");
        if (!File.Exists(manifest))
        {
            warn?.Invoke($"warning: {folder} has no {FileName} (saved before checkpoints carried checksums): its files are not verified");
            return;
        }
        var expected = Read(manifest);
        foreach (string name in files)
        {
            string path = Path.Combine(folder, name);
            if (!File.Exists(path)) continue; // the reader says what is missing
            if (!expected.TryGetValue(name, out string? hash))
                throw new BertNativeException($"{path} is not listed in {manifest}; the checkpoint was changed after it was saved: restore it from a copy or save it again");
            var stamp = Stamp(path, hash);
            if (Verified.TryGetValue(Path.GetFullPath(path), out var seen) && seen == stamp) continue; // checked earlier in this process, unchanged since
            if (!string.Equals(Hash(path), hash, StringComparison.OrdinalIgnoreCase))
                throw new BertNativeException($"{path} does not match its SHA-256 in {FileName}: it was changed or damaged after it was saved; " +
                                              "restore the checkpoint from a copy (or resume from an earlier one)");
            Verified[Path.GetFullPath(path)] = stamp;
        }
    }

    /// <summary>Files already hashed in this process (--resume checks the whole checkpoint first, then reads it): a file
    /// whose size, time and expected hash are unchanged is not hashed again.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Length, DateTime Written, string Hash)> Verified = new();

    private static (long, DateTime, string) Stamp(string path, string hash)
    {
        var info = new FileInfo(path);
        return (info.Length, info.LastWriteTimeUtc, hash.ToLowerInvariant());
    }

    private static Dictionary<string, string> Read(string manifest)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (string line in File.ReadAllLines(manifest))
            {
                if (line.Length == 0) continue;
                int space = line.IndexOf("  ", StringComparison.Ordinal);
                if (space != 64 || !line[..64].All(Uri.IsHexDigit)) throw new FormatException($"bad line '{line}'");
                entries[line[(space + 2)..].TrimStart('*')] = line[..64];
            }
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"{manifest} cannot be read ({e.Message}); restore the checkpoint from a copy", e); }
        return entries;
    }

    private static string Hash(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (UnauthorizedAccessException e) { throw new BertNativeException($"cannot read {path}: {e.Message}", e); }
        catch (IOException e) { throw new BertNativeException($"cannot read {path}: {e.Message}", e); }
    }
}
