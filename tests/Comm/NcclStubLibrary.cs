using System.Diagnostics;
using BertNative.Tests.Support;

namespace BertNative.Tests.Comm;

/// <summary>Builds tests/Comm/NcclStub/nccl_stub.c into a shared library with the machine's C compiler
/// (Inconclusive where there is none, or no repository beside the test assembly).</summary>
public static class NcclStubLibrary
{
    private static readonly string[] Compilers = ["cc", "gcc", "clang", "clang-14"];

    private static readonly Dictionary<string, string> Built = [];

    /// <summary>The stub built with the given defines, once per process (a loaded library is never rewritten).</summary>
    public static string Build(string name, params string[] defines)
    {
        lock (Built)
        {
            if (!Built.TryGetValue(name, out string? path)) Built[name] = path = Compile(name, defines);
            return path;
        }
    }

    private static string Compile(string name, string[] defines)
    {
        string source = TestData.RepositoryRoot is { } root ? Path.Combine(root, "tests", "Comm", "NcclStub", "nccl_stub.c") : "";
        if (!File.Exists(source)) Assert.Inconclusive("tests/Comm/NcclStub/nccl_stub.c not found beside the test assembly");
        // Beside the test assembly, not under the temporary directory: the library stays loaded, so no test could remove it.
        string folder = Path.Combine(AppContext.BaseDirectory, "nccl-stub");
        Directory.CreateDirectory(folder);
        string output = Path.Combine(folder, name);
        foreach (string compiler in Compilers)
        {
            var start = new ProcessStartInfo(compiler) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in new[] { "-shared", "-fPIC", "-o", output, source }.Concat(defines.Select(d => $"-D{d}")))
                start.ArgumentList.Add(argument);
            try
            {
                using var process = Process.Start(start)!;
                string errors = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0) Assert.Fail($"{compiler} could not build the NCCL stub: {errors}");
                return output;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed: try the next compiler
            }
        }
        Assert.Inconclusive("no C compiler (cc, gcc, clang) to build the NCCL stub");
        return "";
    }
}
