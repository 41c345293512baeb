namespace BertNative.Tests.Support;

/// <summary>Where a command-line tool (mpirun, cmake, dotnet) is on PATH, or null when it is not installed.</summary>
public static class ToolPath
{
    public static string? Find(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
