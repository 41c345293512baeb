using System.Text.Json;
using BertNative.Tests.Support;

namespace BertNative.Tests.Cli;

/// <summary>The data-parallel options from the command line: bad combinations are one line and exit 2, a run with
/// replicas reports them, and the losses of replicas and micro-batches are those of one device.</summary>
public class DataParallelCliTests
{
    [TestCase(new[] { "--replicas", "3", "--batch", "2" }, 2, "--batch 2 is smaller than 3 replicas")]
    [TestCase(new[] { "--accumulate", "65536", "--batch", "512" }, 2, "--batch x --accumulate is 33,554,432 pairs a step")]
    [TestCase(new[] { "--replicas", "2", "--distributed", "mpi" }, 2, "--replicas and --distributed do not combine")]
    [TestCase(new[] { "--distributed", "gloo" }, 2, "--distributed must be one of")]
    [TestCase(new[] { "--replicas", "0" }, 2, "--replicas 0 is out of range")]
    [TestCase(new[] { "--comm-timeout", "0" }, 2, "--comm-timeout")]
    [TestCase(new[] { "--distributed", "mpi" }, 1, "not started by mpirun")]
    [TestCase(new[] { "--distributed", "nccl", "--device", "cpu" }, 2, "--distributed nccl sums on the GPU and needs --device cuda")]
    public void BadCombinationsGetOneLine(string[] args, int expectedCode, string message)
    {
        string[] device = args.Contains("--device") ? [] : ["--device", "cpu"];
        var (code, _, err) = CliRunner.Run(["pretrain", .. device, "--steps", "1", "--data", TestData.WikiTextDir, .. args]);
        CliRunner.AssertError(code, err, expectedCode, message);
    }

    [Test]
    public void CudaReplicasWithoutAGpuAreAnErrorNotAFallback()
    {
        if (BertNative.Interop.Cuda.CudaProbe.IsAvailable) Assert.Ignore("this machine has a CUDA GPU");
        var (code, _, err) = CliRunner.Run("pretrain", "--device", "cuda", "--replicas", "2", "--data", TestData.WikiTextDir);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.StartWith("error: --device cuda:"));
    }

    [Test]
    public void ReplicasAndMicroBatchesTrainTheLossesOfOneDevice()
    {
        JsonElement Summary(params string[] extra)
        {
            string dir = Directory.CreateTempSubdirectory("bn-dp-").FullName;
            try
            {
                var (code, output, err) = CliRunner.Run(["pretrain", "--device", "cpu", "--steps", "2", "--seed", "3",
                    "--data", TestData.WikiTextDir, "--out", dir, "--json", .. extra]);
                Assert.That(code, Is.Zero, err);
                if (extra.Contains("--replicas")) Assert.That(err, Does.Contain("2 replicas (1 thread each), ring over 2 in-process cpu replicas"));
                return JsonDocument.Parse(output).RootElement.Clone();
            }
            finally { Directory.Delete(dir, recursive: true); }
        }
        var one = Summary("--threads", "1", "--batch", "24");
        var replicas = Summary("--threads", "2", "--replicas", "2", "--batch", "24");
        var micro = Summary("--threads", "1", "--accumulate", "3", "--batch", "8"); // 3 micro-batches of 8: a step of 24
        Assert.Multiple(() =>
        {
            Assert.That(replicas.GetProperty("replicas").GetInt32(), Is.EqualTo(2));
            Assert.That(micro.GetProperty("accumulate").GetInt32(), Is.EqualTo(3));
            foreach (var loss in new[] { "mlm", "nsp" })
            {
                double expected = one.GetProperty(loss).GetDouble();
                Assert.That(replicas.GetProperty(loss).GetDouble(), Is.EqualTo(expected).Within(1e-4).Percent, $"{loss}, 2 replicas");
                Assert.That(micro.GetProperty(loss).GetDouble(), Is.EqualTo(expected).Within(1e-4).Percent, $"{loss}, 3 micro-batches");
            }
        });
    }
}
