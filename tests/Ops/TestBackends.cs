using BertNative.Contract;
using BertNative.Cpu;

namespace BertNative.Tests.Ops;

/// <summary>
/// The backends the op tests run against: one line each, e.g. <c>new("cuda", () => new CudaBackend(), "GPU")</c>.
/// A factory that throws or returns null (no device here) makes that backend's cases Inconclusive. Backends are
/// created once per test run and shared. Every case compares float32 results with the float64 reference at a
/// norm-relative 1e-5, so GPU GEMMs must run in full fp32 (no TF32).
/// </summary>
public static class TestBackends
{
    public static readonly IReadOnlyList<NamedBackend> All =
    [
        new("cpu", () => new CpuBackend()),
        new("cpu-managed-gemm", () => new CpuBackend(gemm: CpuGemm.Managed)),
        new("cpu-openblas", () => new CpuBackend(gemm: CpuGemm.OpenBlas)),
        new("cuda", () => BertNative.Interop.Cuda.CudaBackend.Create(), "GPU"),
        new("ilgpu-cuda", () => BertNative.Ilgpu.IlgpuBackend.Create(BertNative.Ilgpu.IlgpuDeviceKind.Cuda), "GPU"),
    ];
}

/// <summary>A backend's test name, its factory, and the NUnit category of its cases (e.g. "GPU").</summary>
public sealed record NamedBackend(string Name, Func<IBackend?> Create, string? Category = null);
