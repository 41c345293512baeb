namespace BertNative.Ilgpu;

/// <summary>Whether ILGPU sees a GPU (CUDA or OpenCL), and which one or why not.</summary>
public readonly record struct IlgpuProbe(bool HasGpu, string Reason);
