using System.Reflection;
using System.Runtime.InteropServices;

namespace BertNative.Interop.Cuda;

/// <summary>
/// Finds and loads libbertnative_kernels.so: next to the app first (the build copies it there),
/// then the default search. Before loading it, preloads cuBLASLt, newest soname first, from the
/// CUDA toolkit folders too, so that our library's dependency resolves even where the loader's
/// default path does not reach it (a toolkit under /usr/local/cuda without ldconfig).
/// With BERTNATIVE_CUDA_SIM=1 it loads libbertnative_kernels_sim.so instead: the same kernels
/// built for the CPU simulation of CUDA devices (native/sim), which needs no GPU, driver or cuBLASLt.
/// </summary>
internal static class CudaLibrary
{
    internal const string RealFileName = "libbertnative_kernels.so";
    internal const string SimulationFileName = "libbertnative_kernels_sim.so";

    /// <summary>BERTNATIVE_CUDA_SIM=1: the cuda backend runs on the CPU simulation (read once per process).</summary>
    internal static bool Simulation { get; } = Environment.GetEnvironmentVariable("BERTNATIVE_CUDA_SIM") == "1";

    internal static string FileName => Simulation ? SimulationFileName : RealFileName;

    static readonly string[] CublasLtNames = ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"];

    static readonly object Gate = new();
    static bool Registered;
    static nint Handle;

    /// <summary>Where the library should be: beside the app (tests, trainer, bench all copy it there).</summary>
    internal static string ExpectedPath => Path.Combine(AppContext.BaseDirectory, FileName);

    /// <summary>The file actually loaded, once loaded.</summary>
    internal static string? LoadedPath { get; private set; }

    internal static void RegisterResolver()
    {
        lock (Gate)
        {
            if (Registered) return;
            NativeLibrary.SetDllImportResolver(typeof(CudaLibrary).Assembly, Resolve);
            Registered = true;
        }
    }

    /// <summary>Loads the library (once); on failure returns the loader's message.</summary>
    internal static bool TryLoad(out string? error)
    {
        lock (Gate)
        {
            error = null;
            if (Handle != 0) return true;
            if (!Simulation) PreloadCublasLt();
            foreach (string candidate in Candidates())
            {
                try
                {
                    Handle = NativeLibrary.Load(candidate);
                    LoadedPath = candidate;
                    return true;
                }
                catch (DllNotFoundException e)
                {
                    error ??= e.Message;  // the first candidate (beside the app) has the useful message
                }
            }
            return false;
        }
    }

    static IEnumerable<string> Candidates()
    {
        if (File.Exists(ExpectedPath)) yield return ExpectedPath;
        string besideAssembly = Path.Combine(Path.GetDirectoryName(typeof(CudaLibrary).Assembly.Location) ?? "", FileName);
        if (besideAssembly != ExpectedPath && File.Exists(besideAssembly)) yield return besideAssembly;
        yield return FileName;  // LD_LIBRARY_PATH and the system paths
    }

    static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != CudaNative.Library) return 0;  // not ours: the default probing
        return TryLoad(out _) ? Handle : 0;
    }

    static void PreloadCublasLt()
    {
        string[] folders = [.. ToolkitFolders()];
        foreach (string name in CublasLtNames)
        {
            foreach (string folder in folders)
                if (File.Exists(Path.Combine(folder, name)) && NativeLibrary.TryLoad(Path.Combine(folder, name), out _)) return;
            if (NativeLibrary.TryLoad(name, out _)) return;
        }
    }

    static IEnumerable<string> ToolkitFolders()
    {
        yield return AppContext.BaseDirectory;
        foreach (string variable in new[] { "CUDA_HOME", "CUDA_PATH" })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } root)
                yield return Path.Combine(root, "lib64");
        yield return "/usr/local/cuda/lib64";
    }
}
