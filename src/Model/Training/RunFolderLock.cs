using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BertNative.Contract;

namespace BertNative.Model.Training;

/// <summary>
/// A run's exclusive hold on its folder: <c>.lock</c> opened with FileShare.None, which .NET takes as an flock on Linux.
/// The OS drops it when the process ends however it ends (a kill -9 leaves no stale lock); the file holds the PID so a
/// second run can name the holder.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    public const string FileName = ".lock";

    private readonly FileStream _stream;
    private readonly string _path;

    private RunFolderLock(FileStream stream, string path)
    {
        _stream = stream;
        _path = path;
    }

    /// <summary>Takes the lock of <paramref name="folder"/> (which exists), or throws one line naming the run that holds it.</summary>
    public static RunFolderLock Acquire(string folder)
    {
        string path = Path.Combine(folder, FileName);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) when (e.HResult == SharingViolation || e.Message.Contains("being used by another process", StringComparison.Ordinal))
        {
            string holder = ReadHolder(path) is { } pid ? $"PID {pid}" : "a process that has not written its PID yet";
            throw new BertNativeException($"run folder {folder} is in use by another run ({holder}); wait for it to end, or pass another --out");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"cannot lock run folder {folder} ({e.Message}); pass a writable folder", e); }
        try
        {
            stream.SetLength(0);
            stream.Write(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
        }
        catch (IOException) { /* the lock is held; only the PID for others' messages is missing */ }
        return new RunFolderLock(stream, path);
    }

    /// <summary>Releases the lock and removes the file (a later run creates it again).</summary>
    public void Dispose()
    {
        try { File.Delete(_path); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _stream.Dispose();
    }

    private const int SharingViolation = unchecked((int)0x80070020);

    /// <summary>The PID in a lock file another process holds. .NET's own reads would ask for a shared lock and fail, so this
    /// reads with open(2)/read(2).</summary>
    private static int? ReadHolder(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return null;
        try
        {
            int fd = Open(path, 0);
            if (fd < 0) return null;
            var buffer = new byte[32];
            nint n = Read(fd, buffer, buffer.Length);
            Close(fd);
            return n > 0 && int.TryParse(Encoding.ASCII.GetString(buffer, 0, (int)n).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int pid) ? pid : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    [DllImport("libc", EntryPoint = "open")]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read")]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);
}
