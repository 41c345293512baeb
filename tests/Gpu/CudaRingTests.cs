using BertNative.Comm;
using BertNative.Contract;
using BertNative.Tests.Comm;

namespace BertNative.Tests.Gpu;

/// <summary>
/// The cuda ring transport against the cpu ring (RingCommunicator over InProcessRing) on the same inputs: every
/// rank's result bitwise equal, through device copies and through pinned host staging. The inputs span many
/// binades, so a sum taken in any other order would differ in some element. Work queued on the compute stream
/// just before the collective, and just after it, checks the stream ordering without a synchronize between.
/// </summary>
[TestFixture, Category("GPU")]
public class CudaRingTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var placement in Enum.GetValues<RingPlacement>())
            foreach (int n in placement == RingPlacement.Peers ? new[] { 2 } : new[] { 2, 3 })
                foreach (long length in new long[] { 0, 1, n - 1, 7_919, 5_632_546 }.Distinct())
                    yield return new TestCaseData(n, length, placement).SetName($"CudaRing AllReduce N={n} length={length} {placement switch
                    {
                        RingPlacement.HostStaged => "host-staged",
                        RingPlacement.Peers => "peer copies across GPUs",
                        _ => "device copies",
                    }}");
    }

    /// <summary>Rank r's input: pseudo-random values of either sign whose magnitudes range over 2^-12 .. 2^12.</summary>
    private static float[] Input(int rank, long length)
    {
        var rng = new Random(2000 + rank);
        var x = new float[length];
        for (long i = 0; i < length; i++) x[i] = (float)((rng.NextDouble() * 2 - 1) * Math.Pow(2, rng.Next(-12, 13)));
        return x;
    }

    [TestCaseSource(nameof(Cases))]
    public void AllReduceEqualsTheCpuRingBitwise(int n, long length, RingPlacement placement)
    {
        CudaRingRanks.RequireGpu();
        float[][] inputs = Enumerable.Range(0, n).Select(rank => Input(rank, length)).ToArray();
        float[][] expected = RankThreads.OnHostBuffers(n, rank => inputs[rank], (comm, data) => comm.AllReduceSum(data));
        float[][] actual = CudaRingRanks.Run(n, placement, (comm, cuda) =>
        {
            FloatView source = cuda.AllocateFloats(length), data = cuda.AllocateFloats(length), copy = cuda.AllocateFloats(length);
            cuda.Upload(source, inputs[comm.Rank]);
            cuda.Copy(data, source);  // queued on the compute stream before the collective: the ring must see it
            comm.AllReduceSum(data);
            cuda.Copy(copy, data);    // queued after it: must see the sums
            var result = new float[length];
            cuda.Download(copy, result);
            foreach (var view in new[] { source, data, copy }) view.Buffer.Dispose();
            return result;
        });
        for (int r = 0; r < n; r++) AssertBitwiseEqual(actual[r], expected[r], $"rank {r}");
    }

    /// <summary>Gradient buckets as backward would hand them over: several all-reduces of consecutive slices in
    /// reverse order, queued back to back with no synchronize, so every event is reused across collectives. Deferred,
    /// as the overlapped reducer queues them: compute work runs between them and waits only at CompleteDeferred.</summary>
    [TestCase(RingPlacement.OneDevice, false), TestCase(RingPlacement.HostStaged, false), TestCase(RingPlacement.Peers, false)]
    [TestCase(RingPlacement.OneDevice, true), TestCase(RingPlacement.HostStaged, true), TestCase(RingPlacement.Peers, true)]
    public void BucketsReducedBackToBackEqualTheCpuRingBitwise(RingPlacement placement, bool deferred)
    {
        CudaRingRanks.RequireGpu();
        int n = placement == RingPlacement.Peers ? 2 : 3;
        const int length = 100_003;
        long[] bucketStarts = [0, 17, 40_000, 40_001, length];
        float[][] inputs = Enumerable.Range(0, n).Select(rank => Input(rank, length)).ToArray();
        void ReduceBuckets(ICommunicator comm, FloatView data)
        {
            for (int b = bucketStarts.Length - 2; b >= 0; b--)
                comm.AllReduceSum(data.Slice(bucketStarts[b], bucketStarts[b + 1] - bucketStarts[b]));
        }
        float[][] expected = RankThreads.OnHostBuffers(n, rank => inputs[rank], ReduceBuckets);
        float[][] actual = CudaRingRanks.Run(n, placement, (comm, cuda) =>
        {
            FloatView data = cuda.AllocateFloats(length), other = cuda.AllocateFloats(length), scratch = cuda.AllocateFloats(length);
            cuda.Upload(data, inputs[comm.Rank]);
            if (deferred)
            {
                for (int b = bucketStarts.Length - 2; b >= 0; b--)
                {
                    comm.AllReduceSumDeferred(data.Slice(bucketStarts[b], bucketStarts[b + 1] - bucketStarts[b]));
                    cuda.Copy(scratch, other); // compute work that does not touch the buckets, free to run meanwhile
                }
                comm.CompleteDeferred();
            }
            else ReduceBuckets(comm, data);
            var result = new float[length];
            cuda.Download(data, result);
            foreach (var view in new[] { data, other, scratch }) view.Buffer.Dispose();
            return result;
        });
        for (int r = 0; r < n; r++) AssertBitwiseEqual(actual[r], expected[r], $"rank {r}");
    }

    [TestCase(2, 1), TestCase(3, 2)]
    public void BroadcastGivesEveryRankTheRootsBits(int n, int root)
    {
        const int length = 100_003;
        var results = CudaRingRanks.Run(n, stageThroughHost: false, (comm, cuda) =>
        {
            FloatView whole = cuda.AllocateFloats(length + 1), data = whole.Slice(1, length);  // an odd offset
            cuda.Upload(data, Input(comm.Rank, length));
            comm.Broadcast(data, root);
            var result = new float[length];
            cuda.Download(data, result);
            whole.Buffer.Dispose();
            return result;
        });
        for (int r = 0; r < n; r++) AssertBitwiseEqual(results[r], Input(root, length), $"rank {r}");
    }

    [Test]
    public void ARankThatNeverJoinsStopsTheOtherWithinTheTimeoutNamingIt()
    {
        CudaRingRanks.RequireGpu();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => CudaRingRanks.Run(2, stageThroughHost: false, (comm, cuda) =>
        {
            if (comm.Rank == 1) return 0;  // never takes part
            var data = cuda.AllocateFloats(100);
            comm.AllReduceSum(data);
            return 0;
        }, timeoutSeconds: 0.5))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(10));
        Assert.That(error.InnerExceptions, Has.Count.EqualTo(1).And.All.InstanceOf<CommunicatorException>());
        Assert.That(error.InnerExceptions[0].Message, Does.StartWith("rank 0: rank 1 sent nothing for 0.5 s"));
    }

    [Test]
    public void ARankThatFailsStopsTheOthersAtOnce()
    {
        CudaRingRanks.RequireGpu();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => CudaRingRanks.Run(3, stageThroughHost: false, (comm, cuda) =>
        {
            var data = cuda.AllocateFloats(100);
            // rank 2 sends a window of another length: its neighbour fails and the abort reaches everyone
            comm.AllReduceSum(comm.Rank == 2 ? data.Slice(0, 50) : data);
            return 0;
        }, timeoutSeconds: 60))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20), "the others waited for their timeout instead of the abort");
        Assert.That(error.InnerExceptions.Select(e => e.Message), Has.All.Contains("were expected"));
    }

    private static void AssertBitwiseEqual(float[] actual, float[] expected, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (long i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                Assert.Fail($"{what}: element {i} is {actual[i]:R} on the cuda ring, {expected[i]:R} on the cpu ring");
    }
}
