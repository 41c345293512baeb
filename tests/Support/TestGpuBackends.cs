using BertNative.Contract;
using BertNative.Ilgpu;
using BertNative.Model.Devices;

namespace BertNative.Tests.Support;

/// <summary>Backends by name for the whole-model tests, through the CLI's own selector; Inconclusive when absent.</summary>
public static class TestGpuBackends
{
    /// <summary>"cuda", "ilgpu" (a GPU through ILGPU) or "ilgpu-cpu" (ILGPU's simulated GPU, always present).</summary>
    public static IBackend Create(string name)
    {
        try
        {
            return name == "ilgpu-cpu" ? IlgpuBackend.Create(IlgpuDeviceKind.Cpu) : BackendSelector.Select(new DeviceChoice(name)).Backend;
        }
        catch (BertNativeException e)
        {
            Assert.Inconclusive($"no {name} device: {e.Message}");
            throw;
        }
    }
}
