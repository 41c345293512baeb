using BertNative.Contract;

namespace BertNative.Model.Data;

/// <summary>
/// The per-user copy of WikiText-2 under <c>root/wikitext-2</c>. That folder only ever appears by
/// renaming a fully extracted staging folder, so if it holds wiki.train.tokens it is complete.
/// Staging folders have their own prefix and are never read; ones an interrupted run left behind
/// are deleted once they are old enough that no live run can still be filling them.
/// </summary>
internal sealed class WikiTextCache(string root)
{
    internal const string FolderName = "wikitext-2";
    internal const string StagingPrefix = FolderName + ".partial-";
    static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    public string Folder => Path.Combine(root, FolderName);

    public string? CompleteFolder() => File.Exists(Path.Combine(Folder, WikiTextSource.TrainFile)) ? Folder : null;

    /// <summary>Fills a fresh staging folder with <paramref name="fill"/>, then renames it into place.</summary>
    public string Publish(Action<string> fill)
    {
        try
        {
            Directory.CreateDirectory(root);
            RemoveAbandonedStaging();
            string staging = NewStagingPath();
            try
            {
                Directory.CreateDirectory(staging);
                fill(staging);
                MoveIntoPlace(staging);
            }
            finally
            {
                DeleteQuietly(staging); // already gone after a successful move
            }
            return Folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNativeException(
                $"cannot write the WikiText-2 cache in {root} ({ErrorText.OneLine(e.Message)}); set BERTNATIVE_CACHE to a writable folder, or pass --data {ErrorText.DataFolder}", e);
        }
    }

    void MoveIntoPlace(string staging)
    {
        RetireIncompleteFolder();
        try
        {
            Directory.Move(staging, Folder);
        }
        catch (IOException) when (CompleteFolder() != null)
        {
            // A concurrent run published the same verified data first; its copy serves as well.
        }
    }

    /// <summary>A wikitext-2 folder without the train file (e.g. emptied by hand) is renamed aside, then deleted.</summary>
    void RetireIncompleteFolder()
    {
        if (!Directory.Exists(Folder) || CompleteFolder() != null) return;
        string aside = NewStagingPath();
        Directory.Move(Folder, aside);
        DeleteQuietly(aside);
    }

    void RemoveAbandonedStaging()
    {
        DateTime cutoff = DateTime.UtcNow - AbandonedAfter;
        foreach (string dir in Directory.EnumerateDirectories(root, StagingPrefix + "*"))
            if (Directory.GetLastWriteTimeUtc(dir) < cutoff) DeleteQuietly(dir);
    }

    string NewStagingPath() => Path.Combine(root, StagingPrefix + Guid.NewGuid().ToString("N"));

    /// <summary>Best effort: a staging folder that cannot be deleted now is only clutter, never mistaken for data.</summary>
    static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
