using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BertNative.Model.Training;

/// <summary>
/// Where a run's weights go when its own folder refuses them: <c>bertnative-rescued-NAME-HASH-stepN</c> in the temp
/// folder, NAME and HASH naming the run folder (so two runs never share one). A rescue is only a stand-in: the run's
/// next save that holds as many steps (its own checkpoint, or a later rescue) removes it.
/// </summary>
public static class RescueFolders
{
    private const string Prefix = "bertnative-rescued-";

    /// <summary>The rescue folder for <paramref name="runFolder"/> at <paramref name="step"/>.</summary>
    public static string PathFor(string runFolder, int step) =>
        Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"{RunKey(runFolder)}-step{step}"));

    /// <summary>Removes the rescues of <paramref name="runFolder"/> at <paramref name="step"/> or before, except
    /// <paramref name="keep"/>; a rescue that cannot be removed is left (it holds weights, never an error).</summary>
    public static void RemoveSupersededBy(string runFolder, int step, string? keep = null)
    {
        string key = RunKey(runFolder) + "-step";
        string[] candidates;
        try { candidates = Directory.GetDirectories(Path.GetTempPath(), key + "*"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (string folder in candidates)
        {
            string name = Path.GetFileName(folder);
            if (!int.TryParse(name.AsSpan(key.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int saved) || saved > step) continue;
            if (keep != null && Path.GetFullPath(folder) == Path.GetFullPath(keep)) continue;
            try { Directory.Delete(folder, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    private static string RunKey(string runFolder)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder));
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..8];
        string name = new(Path.GetFileName(full).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(40).ToArray());
        return $"{Prefix}{name}-{hash}";
    }
}
