using System.Runtime.CompilerServices;
using BertNative.Ilgpu;
using BertNative.Interop;
using BertNative.Interop.Cpu;
using BertNative.Interop.Cuda;

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

    public static IBackend Create(string name) => name switch
    {
        "cpu" => new CpuBackend(),
        "cuda" => CreateCuda(),
        "ilgpu" => CreateIlgpu(),
        _ => throw new ArgumentException($"unknown backend '{name}'", nameof(name)),
    };

    [MethodImpl(MethodImplOptions.NoInlining)]
    static IBackend CreateCuda() => CudaBackend.Create();

    [MethodImpl(MethodImplOptions.NoInlining)]
    static IBackend CreateIlgpu() => IlgpuBackend.Create(IlgpuDeviceKind.Auto);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool IlgpuHasGpu() => IlgpuBackend.Probe().HasGpu;
}
