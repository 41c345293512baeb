using BertNative.Interop.Cuda;
using BertNative.Model.Devices;

namespace BertNative.Tests.Sim;

/// <summary>
/// BERTNATIVE_CUDA_SIM=1 loads libbertnative_kernels_sim.so for the cuda backend, and every line that names the
/// backend then says it is the CPU simulation; without it the simulation library is never the one loaded.
/// </summary>
public class CudaSimulationSelectionTests
{
    [Test]
    public void TheLibraryFollowsTheSwitch()
    {
        bool on = Environment.GetEnvironmentVariable("BERTNATIVE_CUDA_SIM") == "1";
        Assert.That(CudaProbe.IsSimulation, Is.EqualTo(on));
        Assert.That(CudaLibrary.FileName, Is.EqualTo(on ? "libbertnative_kernels_sim.so" : "libbertnative_kernels.so"));
    }

    [Test, Category("GPU")]
    public void TheBackendLineSaysItIsTheSimulation()
    {
        if (!CudaProbe.IsSimulation) Assert.Inconclusive("BERTNATIVE_CUDA_SIM=1 not set");
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"simulation unavailable: {reason}");
        foreach (string device in new[] { "cuda", "auto" })
        {
            var (backend, line) = BackendSelector.Select(new DeviceChoice(device));
            using (backend)
                Assert.That(line, Does.StartWith($"backend cuda (CPU simulation of {CudaProbe.DeviceCount} devices)")
                    .And.Contain("BertNative CPU simulation of a CUDA device").And.Contain("sm_90"));
        }
    }
}
