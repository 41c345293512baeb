using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Model.Devices;

namespace BertNative.Tests.Support;

/// <summary>Backends by name for the whole-model tests, through the CLI's own selector; Inconclusive when absent.</summary>
public static class TestGpuBackends
{
    /// <summary>"cuda", "ilgpu" (a GPU through ILGPU), "ilgpu-cpu" (ILGPU's simulated GPU, always present) or
    /// "ilgpu-cpu-tiled" (the same running the GPU's shared-memory GEMM).</summary>
    public static IBackend Create(string name)
    {
        try
        {
            return name switch
            {
                "ilgpu-cpu" => IlgpuBackend.Create(IlgpuDeviceKind.Cpu),
                "ilgpu-cpu-tiled" => IlgpuBackend.Create(IlgpuDeviceKind.Cpu, gemm: IlgpuGemm.Tiled),
                _ => BackendSelector.Select(new DeviceChoice(name)).Backend,
            };
        }
        catch (BertNativeException e)
        {
            Assert.Inconclusive($"no {name} device: {e.Message}");
            throw;
        }
    }
}
