using System.Text.Json;
using BertNative.Interop.Cuda;
using BertNative.Tests.Cli;
using BertNative.Tests.Support;

namespace BertNative.Tests.Gpu;

/// <summary>
/// The cuda backend through the CLI, as a user runs it: the book model's first steps on WikiText-2 give the cpu
/// backend's losses, on one GPU and with two replicas on two GPUs. Runs on a GPU and on the CPU simulation
/// (BERTNATIVE_CUDA_SIM=1), where the small batches keep it to seconds.
/// </summary>
[TestFixture, Category("GPU")]
public class CudaCliTests
{
    [Test]
    public void ThreeBookStepsOnCudaGiveTheCpuLosses()
    {
        RequireGpus(1);
        string[] run = ["--steps", "3", "--batch", "32", "--seed", "7"];
        AssertSameLosses(Summary(["--device", "cuda", .. run]), Summary(["--device", "cpu", .. run]));
    }

    [Test]
    public void TwoCudaReplicasOnTwoGpusGiveTheLossesOfOneCpuDevice()
    {
        RequireGpus(2);
        string[] run = ["--steps", "2", "--batch", "8", "--seed", "3"];
        var replicas = Summary(["--device", "cuda", "--replicas", "2", .. run]);
        Assert.That(replicas.GetProperty("replicas").GetInt32(), Is.EqualTo(2));
        AssertSameLosses(replicas, Summary(["--device", "cpu", .. run]));
    }

    static void RequireGpus(int count)
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
        if (CudaProbe.DeviceCount < count) Assert.Inconclusive($"needs {count} GPUs; {CudaProbe.DeviceCount} visible");
    }

    static JsonElement Summary(string[] args)
    {
        string dir = Directory.CreateTempSubdirectory("bn-cuda-cli-").FullName;
        try
        {
            var (code, output, err) = CliRunner.Run(["pretrain", .. args, "--data", TestData.WikiTextDir, "--out", dir, "--json"]);
            Assert.That(code, Is.Zero, err);
            TestContext.Out.WriteLine(err.Split('\n')[0]);  // the backend line
            return JsonDocument.Parse(output).RootElement.Clone();
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    static void AssertSameLosses(JsonElement cuda, JsonElement cpu) => Assert.Multiple(() =>
    {
        foreach (var loss in new[] { "mlm", "nsp" })
        {
            double expected = cpu.GetProperty(loss).GetDouble();
            Assert.That(cuda.GetProperty(loss).GetDouble(), Is.EqualTo(expected).Within(1e-4 * Math.Abs(expected)), loss);
        }
    });
}
