using BertNative.Contract;
using BertNative.Interop.Nccl;
using BertNative.Tests.Comm;

namespace BertNative.Tests.Gpu;

/// <summary>
/// NcclCommunicator on one GPU: NCCL refuses two ranks on one device, so one rank is what a single GPU can run.
/// It still checks that NCCL accepts our non-blocking config, joins, runs each collective through the bounded
/// waits, and shuts down. Inconclusive without a GPU or without libnccl.so.2.
/// </summary>
[TestFixture, Category("GPU")]
public class NcclCommunicatorTests
{
    [Test]
    public void OneRankJoinsReducesBroadcastsAndShutsDown()
    {
        using var cuda = GpuPair.CreateCudaOrInconclusive();
        try { NcclApi.Load(); }
        catch (BertNativeException e) { Assert.Inconclusive(e.Message); }
        var values = Enumerable.Range(0, 1_001).Select(i => i * 0.25f - 100f).ToArray();
        var results = RankThreads.Run(1, bootstrap =>
        {
            using var nccl = new NcclCommunicator(cuda, bootstrap, TimeSpan.FromSeconds(30));
            TestContext.Out.WriteLine(nccl.Description);
            Assert.That(nccl.Description, Does.StartWith("NCCL 2.").And.Contain("rank 0 on GPU 0"));
            FloatView data = cuda.AllocateFloats(values.Length);
            cuda.Upload(data, values);
            nccl.AllReduceSum(data);
            nccl.Broadcast(data, root: 0);
            nccl.Barrier();
            var result = new float[values.Length];
            cuda.Download(data, result);
            data.Buffer.Dispose();
            return result;
        });
        Assert.That(results[0], Is.EqualTo(values).AsCollection, "a sum over one rank, then a broadcast from it, changes nothing");
    }
}
