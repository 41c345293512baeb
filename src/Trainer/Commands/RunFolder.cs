using System.Globalization;
using BertNative.Interop;

namespace BertNative.Trainer.Commands;

/// <summary>Creates the run folder: --out, or runs/&lt;UTC time&gt; under the current directory.</summary>
public static class RunFolder
{
    public static string Create(string? requested)
    {
        string dir = requested is null or "runs/<time>"
            ? Path.Combine("runs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture))
            : requested;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"cannot create run folder {dir}: {e.Message}; pass --out a writable folder"); }
        return Path.GetFullPath(dir);
    }
}
