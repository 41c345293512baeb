using System.Globalization;

namespace BertNative.Cpu;

/// <summary>Host memory this process can still use: Linux's MemAvailable, lowered by a cgroup (container) limit.</summary>
public static class HostMemory
{
    public static long? AvailableBytes()
    {
        long? available = MemInfoKilobytes("MemAvailable") * 1024;
        if (CgroupValue("/sys/fs/cgroup/memory.max") is long limit && CgroupValue("/sys/fs/cgroup/memory.current") is long used)
            available = Math.Min(available ?? long.MaxValue, Math.Max(0, limit - used));
        return available;
    }

    private static long? MemInfoKilobytes(string field)
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private static long? CgroupValue(string path)
    {
        try { return long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
