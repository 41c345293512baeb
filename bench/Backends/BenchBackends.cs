using System.Runtime.CompilerServices;
using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Interop.Cuda;
using BertNative.Model.Devices;

namespace BertNative.Bench.Backends;

/// <summary>
/// The backends a benchmark runs on: cpu always, cuda when our library loads and sees a GPU, ilgpu when
/// ILGPU finds a real GPU (its CPU accelerator is a simulator, not worth timing). BERTNATIVE_BENCH_BACKENDS
/// (e.g. "cuda,ilgpu") narrows the list, to skip the slow cpu on a GPU box. GPU paths sit in NoInlining
/// methods so a machine without CUDA never touches a P/Invoke stub.
/// </summary>
public static class BenchBackends
{
    public const string EnvironmentVariable = "BERTNATIVE_BENCH_BACKENDS";

    public static IEnumerable<string> Available()
    {
        var wanted = Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : null;
        bool Wanted(string name) => wanted == null || wanted.Contains(name);

        if (Wanted("cpu")) yield return "cpu";
        if (Wanted("cuda") && CudaProbe.IsAvailable) yield return "cuda";
        if (Wanted("ilgpu") && IlgpuHasGpu()) yield return "ilgpu";
    }

    /// <summary>The backend as the CLI's --device would build it.</summary>
    public static IBackend Create(string name) => BackendSelector.Select(new DeviceChoice(name)).Backend;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool IlgpuHasGpu() => IlgpuBackend.Probe().HasGpu;
}
