using System.Globalization;
using BertNative.Contract;

namespace BertNative.Model.Training;

/// <summary>A failure to write in the run folder: one line, and the trained weights go to a fallback path.</summary>
public sealed class RunFolderException(string message, Exception inner) : BertNativeException(message, inner);

/// <summary>
/// The folder a run writes to. A new run refuses a folder that already holds something unless told to overwrite;
/// a folder this run created is removed again when the run fails before its first step. A run that writes holds the
/// folder's <see cref="RunFolderLock"/> from the start to <see cref="Dispose"/>: a second run, resume or --overwrite on it
/// is refused. Every write goes through <see cref="Write"/>, which turns an I/O failure into one line naming the file.
/// </summary>
public sealed class RunFolder : IDisposable
{
    private readonly bool _created, _writes;
    private readonly RunFolderLock? _lock;

    private RunFolder(string path, bool created, bool writes = true, RunFolderLock? held = null)
    {
        Path = path;
        _created = created;
        _writes = writes;
        _lock = held;
    }

    public string Path { get; }

    /// <summary>False for a rank other than 0: it reads the run but writes nothing.</summary>
    public bool Writes => _writes;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The folder of a new run: <paramref name="requested"/> or runs/&lt;UTC time&gt; (with -2, -3, ... when that
    /// exists). Created and locked now, before the slow parts of a run; removed again by <see cref="Dispose"/> when the run
    /// writes nothing in it.</summary>
    public static RunFolder ForNewRun(string? requested, bool overwrite)
    {
        if (requested != null) return Claim(System.IO.Path.GetFullPath(requested), overwrite, named: true)!;
        string stem = System.IO.Path.GetFullPath(System.IO.Path.Combine("runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        for (int n = 1; ; n++)
            if (Claim(n == 1 ? stem : $"{stem}-{n}", overwrite: false, named: false) is { } folder) return folder;
    }

    /// <summary>Creates and locks <paramref name="dir"/> for a new run. A default name that is taken gives null (try the next).</summary>
    private static RunFolder? Claim(string dir, bool overwrite, bool named)
    {
        if (System.IO.File.Exists(dir))
            return named ? throw new BertNativeException($"--out {dir} is a file; pass --out a folder") : null;
        bool exists = Directory.Exists(dir);
        if (!named && exists) return null;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"cannot create run folder {dir}: {e.Message}; pass --out a writable folder", e); }
        bool hadLockFile = System.IO.File.Exists(System.IO.Path.Combine(dir, RunFolderLock.FileName));
        RunFolderLock held;
        try { held = RunFolderLock.Acquire(dir); }
        catch (BertNativeException) when (!named) { return null; }
        var folder = new RunFolder(dir, created: !exists, held: held);
        if (!overwrite && Directory.EnumerateFileSystemEntries(dir).Any(e => System.IO.Path.GetFileName(e) != RunFolderLock.FileName || hadLockFile))
        {
            folder.Dispose();
            throw new BertNativeException($"run folder {dir} is not empty; pass --resume {dir} to continue its run, --overwrite to replace it, or another --out");
        }
        return folder;
    }

    /// <summary>Creates the folder (when new) and checks that a file can be written in it.</summary>
    public void Create()
    {
        if (!_writes) return;
        try { Directory.CreateDirectory(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"cannot create run folder {Path}: {e.Message}; pass --out a writable folder", e); }
        try { Write("a test file", () => { string probe = File(".write-test"); System.IO.File.WriteAllText(probe, ""); System.IO.File.Delete(probe); }); }
        catch (RunFolderException) { RemoveIfCreated(); throw; }
    }

    public static RunFolder ForResume(string dir, bool writes = true)
    {
        string full = System.IO.Path.GetFullPath(dir);
        if (!Directory.Exists(full)) throw new BertNativeException($"--resume {full}: no such run folder; pass the --out folder of an earlier pretrain");
        return new RunFolder(full, created: false, writes, writes ? RunFolderLock.Acquire(full) : null);
    }

    /// <summary>Releases the lock; a folder this run created and left empty (it failed before writing) goes too.</summary>
    public void Dispose()
    {
        _lock?.Dispose();
        if (_created && Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any()) RemoveIfCreated();
    }

    /// <summary>The folder of a data-parallel rank other than 0: it reads (a checkpoint to resume) but writes nothing,
    /// since rank 0 writes the run.</summary>
    public static RunFolder WithoutWrites(string path) => new(System.IO.Path.GetFullPath(path), created: false, writes: false);

    /// <summary>Runs a write, turning an I/O failure (read-only, a folder where a file should be, disk full) into one line.</summary>
    public void Write(string what, Action write)
    {
        if (!_writes) return;
        try { write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = !what.EndsWith('/') && Directory.Exists(File(what)) ? "a folder of that name is in the way; remove or rename it"
                : what.EndsWith('/') && System.IO.File.Exists(File(what.TrimEnd('/'))) ? "a file of that name is in the way; remove or rename it"
                : e.Message;
            throw new RunFolderException($"cannot write {what} in run folder {Path}: {why}", e);
        }
    }

    /// <summary>Removes the folder when this run created it and it holds nothing (or only what a failed start wrote).</summary>
    public void RemoveIfCreated()
    {
        if (!_created) return;
        try { Directory.Delete(Path, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort: the error that brought us here matters more */ }
        string? parent = System.IO.Path.GetDirectoryName(Path);
        if (parent != null && System.IO.Path.GetFileName(parent) == "runs" && Directory.Exists(parent) && !Directory.EnumerateFileSystemEntries(parent).Any())
            try { Directory.Delete(parent); } catch (IOException) { }
    }
}
