using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Ilgpu;

namespace BertNative.Tests.Ops;

/// <summary>
/// The backends the op parity cases run on: one line each, e.g. <c>new("cuda", () => CudaBackend.Create(), ShapeSet.Large, "GPU")</c>.
/// A backend runs every case up to its <see cref="NamedBackend.Shapes"/>: simulators the small ones, real hardware more.
/// A factory that throws or returns null (no device here) makes that backend's cases Inconclusive. Backends are
/// created once per test run and shared. Every case compares float32 results with the float64 reference at a
/// norm-relative 1e-5, so GPU GEMMs must run in full fp32 (no TF32).
/// </summary>
public static class TestBackends
{
    /// <summary>BERTNATIVE_CUDA_SIM=1 points the cuda backend at the CPU simulation of its kernels (see native/sim).</summary>
    public static bool CudaSimulation { get; } = Environment.GetEnvironmentVariable("BERTNATIVE_CUDA_SIM") == "1";

    public static readonly IReadOnlyList<NamedBackend> All =
    [
        new("cpu", () => new CpuBackend(), ShapeSet.Medium),
        new("cpu-managed-gemm", () => new CpuBackend(gemm: CpuGemm.Managed), ShapeSet.Medium),
        new("cpu-openblas", () => new CpuBackend(gemm: CpuGemm.OpenBlas), ShapeSet.Medium),
        new("ilgpu-cpu", () => IlgpuBackend.Create(IlgpuDeviceKind.Cpu), ShapeSet.Small),
        // The GPU's shared-memory GEMM on the CPU accelerator (which otherwise runs the direct one: IlgpuGemm).
        new("ilgpu-cpu-tiled", () => IlgpuBackend.Create(IlgpuDeviceKind.Cpu, gemm: IlgpuGemm.Tiled), ShapeSet.Small),
        new("cuda", () => BertNative.Interop.Cuda.CudaBackend.Create(), CudaSimulation ? ShapeSet.Small : ShapeSet.Large, "GPU"),
        new("ilgpu-cuda", () => IlgpuBackend.Create(IlgpuDeviceKind.Cuda), ShapeSet.Large, "GPU"),
    ];
}

/// <summary>A backend's test name, its factory, the largest shape set it runs, and the NUnit category of its cases (e.g. "GPU").</summary>
public sealed record NamedBackend(string Name, Func<IBackend?> Create, ShapeSet Shapes, string? Category = null);
