using BertNative.Comm;
using BertNative.Contract;
using BertNative.Interop.Cuda;
using BertNative.Model;
using BertNative.Model.Parallel;
using BertNative.Tests.Model;

namespace BertNative.Tests.Gpu;

/// <summary>
/// Data-parallel training steps on cuda replicas joined by the cuda ring (all on GPU 0, where separate buffers, streams
/// and events exercise the deferred, overlapped bucket all-reduce, or each on its own GPU with peer copies), against
/// one cuda device taking the whole batch.
/// </summary>
[TestFixture, Category("GPU")]
public class CudaRingTrainingTests
{
    [TestCase(2, false), TestCase(3, false), TestCase(2, true)]
    public void CudaReplicasTrainTheGradientsOfOneDevice(int replicas, bool onTheirOwnGpus)
    {
        CudaRingRanks.RequireGpu();
        var config = TinyBert.Config(Activation.Gelu, dropout: 0.2f);
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(8);
        float[] expected;
        float mlm, nsp;
        using (var one = CudaBackend.Create(0))
            (mlm, nsp, expected) = TinyBert.LossAndGradients(new BertModel(one, config, batch.Capacity, batch.MaxLen, init), batch);

        if (onTheirOwnGpus && CudaProbe.DeviceCount < replicas)
            Assert.Inconclusive($"{replicas} replicas on their own GPUs need {replicas} GPUs; {CudaProbe.DeviceCount} visible");
        var (dpLosses, grads, _) = Train(replicas, overlap: true, config, init, batch, onTheirOwnGpus);
        Assert.That(dpLosses.Mlm, Is.EqualTo(mlm).Within(1e-4 * mlm));
        Assert.That(dpLosses.Nsp, Is.EqualTo(nsp).Within(1e-4 * nsp));
        DataParallelTests.AssertTensorsClose(ParameterLayout.Of(config), grads, expected, 1e-4, "gradient", zeroGradientBound: 1e-6);
    }

    [Test]
    public void OverlappedAndSequentialBucketsGiveTheSameBits()
    {
        CudaRingRanks.RequireGpu();
        var config = TinyBert.Config(Activation.Gelu, dropout: 0.2f);
        var init = TinyBert.Init(config);
        var batch = TinyBert.FirstBatch(8);
        var (_, overlapped, overlappedWeights) = Train(2, overlap: true, config, init, batch);
        var (_, sequential, sequentialWeights) = Train(2, overlap: false, config, init, batch);
        Assert.That(overlapped, Is.EqualTo(sequential).AsCollection);
        Assert.That(overlappedWeights, Is.EqualTo(sequentialWeights).AsCollection);
    }

    private static ((float Mlm, float Nsp) Losses, float[] Gradients, float[] Weights) Train(int replicas, bool overlap, BertConfig config, float[] init,
        BertNative.Model.Data.Batch batch, bool onTheirOwnGpus = false)
    {
        var backends = Enumerable.Range(0, replicas).Select(r => CudaBackend.Create(onTheirOwnGpus ? r : 0)).ToArray();
        try
        {
            using var ring = new CudaRing(backends, TimeSpan.FromSeconds(30));
            var comms = backends.Select((b, r) => new RingCommunicator(ring.Transport(r), b)).ToArray();
            int capacity = StepRunner.ReplicaCapacity(batch.Size, replicas, 1);
            var runner = new StepRunner(backends.Select((b, r) => new Replica(new BertModel(b, config, capacity, batch.MaxLen, init), comms[r])).ToArray(),
                overlap: overlap);
            runner.SynchronizeReplicas(runFingerprint: 1);
            var losses = runner.Step(batch, t: 1, seed: 5, update: m => m.AdamStep(new AdamSettings(1e-3f), 1));
            var model = runner.Replicas[^1].Model;
            var result = (losses, model.DownloadGradients(), model.DownloadParameters());
            foreach (var comm in comms) comm.Dispose();
            return result;
        }
        finally
        {
            foreach (var backend in backends) backend.Dispose();
        }
    }
}
