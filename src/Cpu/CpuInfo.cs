namespace BertNative.Cpu;

/// <summary>The processor's name as the OS reports it (for the backend's description).</summary>
internal static class CpuInfo
{
    public static string ModelName { get; } = ReadModelName();

    private static string ReadModelName()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and >= 0)
                    return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture + " CPU";
    }
}
