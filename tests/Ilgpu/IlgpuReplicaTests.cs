using BertNative.Comm;
using BertNative.Cpu;
using BertNative.Ilgpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Parallel;
using BertNative.Tests.Model;

namespace BertNative.Tests.Ilgpu;

/// <summary>ilgpu replicas, whose buffers the host ring cannot read, joined through host staging: two replicas on
/// ILGPU's CPU accelerator (tiny shapes; it simulates a GPU thread by thread) train one cpu device's gradients.</summary>
public class IlgpuReplicaTests
{
    [Test]
    public void TwoIlgpuReplicasThroughHostStagingTrainOneDevicesGradients()
    {
        var config = TinyBert.SyntheticConfig(dropout: 0.2f);
        var init = TinyBert.Init(config);
        var batch = BatchFile.Sample(TinyBert.Synthetic, 4, 1, samplerSeed: 5)[0];
        var (mlm, nsp, expected) = DataParallelTests.OneDevice(config, init, batch, LossMode.Intended);

        var ring = new InProcessRing(2, TimeSpan.FromSeconds(60));
        var owned = new List<IDisposable>();
        try
        {
            var replicas = new List<Replica>();
            for (int rank = 0; rank < 2; rank++)
            {
                var ilgpu = IlgpuBackend.Create(IlgpuDeviceKind.Cpu);
                var host = new CpuBackend(1);
                var comm = new HostStagedCommunicator(new RingCommunicator(ring.Transport(rank, "ilgpu"), host), ilgpu);
                owned.AddRange([comm, host, ilgpu]);
                replicas.Add(new Replica(new BertModel(ilgpu, config, StepRunner.ReplicaCapacity(batch.Size, 2, 1), batch.MaxLen, init), comm));
            }
            var runner = new StepRunner(replicas);
            var (dpMlm, dpNsp) = runner.Step(batch, t: 1, seed: 5, update: _ => { });
            Assert.That(dpMlm, Is.EqualTo(mlm).Within(1e-4 * mlm));
            Assert.That(dpNsp, Is.EqualTo(nsp).Within(1e-4 * nsp));
            DataParallelTests.AssertTensorsClose(replicas[0].Model.Layout, replicas[0].Model.DownloadGradients(), expected, 1e-4, "gradient", zeroGradientBound: 1e-6);
            Assert.That(replicas[1].Model.DownloadGradients(), Is.EqualTo(replicas[0].Model.DownloadGradients()).AsCollection);
        }
        finally
        {
            foreach (var d in owned) d.Dispose();
        }
    }
}
