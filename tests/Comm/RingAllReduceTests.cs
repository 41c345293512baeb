using BertNative.Comm;
using BertNative.Cpu;

namespace BertNative.Tests.Comm;

/// <summary>The hand-written ring against a float64 sum: every rank the same bits, every run the same bits.</summary>
public class RingAllReduceTests
{
    private static readonly int[] WorldSizes = [1, 2, 3, 5, 8];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (int n in WorldSizes)
            foreach (long length in new long[] { 0, 1, Math.Max(0, n - 1), 7_919, 5_632_546 })
                yield return new TestCaseData(n, length).SetName($"AllReduce N={n} length={length}");
    }

    /// <summary>Rank r's input: a fixed pseudo-random vector in [-1, 1) of its own.</summary>
    private static float[] Input(int rank, long length)
    {
        var rng = new Random(1000 + rank);
        var x = new float[length];
        for (long i = 0; i < length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    private static float[][] AllReduce(int n, long length) =>
        RankThreads.OnHostBuffers(n, rank => Input(rank, length), (comm, data) => comm.AllReduceSum(data));

    [TestCaseSource(nameof(Cases))]
    public void SumsLikeFloat64AndEveryRankAndRunAgreeBitwise(int n, long length)
    {
        var first = AllReduce(n, length);
        var inputs = Enumerable.Range(0, n).Select(r => Input(r, length)).ToArray();
        for (long i = 0; i < length; i++)
        {
            double exact = 0, magnitude = 0;
            for (int r = 0; r < n; r++) { exact += inputs[r][i]; magnitude += Math.Abs(inputs[r][i]); }
            double tolerance = n * magnitude * 6e-8 + 1e-30;
            if (Math.Abs(first[0][i] - exact) > tolerance)
                Assert.Fail($"element {i}: ring {first[0][i]} vs float64 {exact}");
        }
        for (int r = 1; r < n; r++)
            Assert.That(first[r], Is.EqualTo(first[0]).AsCollection, $"rank {r} differs from rank 0");
        if (length <= 10_000)
        {
            var second = AllReduce(n, length);
            Assert.That(second[0], Is.EqualTo(first[0]).AsCollection, "a second run differs");
        }
    }

    [TestCase(2, 0), TestCase(3, 2), TestCase(5, 4)]
    public void BroadcastGivesEveryRankTheRootsValues(int n, int root)
    {
        var results = RankThreads.OnHostBuffers(n, rank => Input(rank, 1_001), (comm, data) => comm.Broadcast(data, root));
        foreach (var r in results) Assert.That(r, Is.EqualTo(Input(root, 1_001)).AsCollection);
    }

    [Test]
    public void SlicesReduceOnlyTheirWindow()
    {
        var results = RankThreads.OnHostBuffers(3, _ => Enumerable.Repeat(1f, 10).ToArray(), (comm, data) => comm.AllReduceSum(data.Slice(2, 5)));
        Assert.That(results[1], Is.EqualTo(new float[] { 1, 1, 3, 3, 3, 3, 3, 1, 1, 1 }).AsCollection);
    }

    [Test]
    public void ARankThatNeverJoinsStopsTheOthersWithinTheTimeoutNamingIt()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => RankThreads.Run(3, comm =>
        {
            if (comm.Rank == 1) return 0; // never takes part
            using var cpu = new CpuBackend(1);
            comm.AllReduceSum(cpu.AllocateFloats(100));
            return 0;
        }, timeoutSeconds: 0.5))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(10));
        var messages = error.InnerExceptions.Select(e => e.Message).ToArray();
        Assert.That(messages, Has.Some.Contains("rank 1 sent nothing").Or.Some.Contains("rank 1 took nothing"));
        Assert.That(error.InnerExceptions, Has.All.InstanceOf<CommunicatorException>());
    }

    [Test]
    public void ARankThatFailsStopsTheOthersAtOnce()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<AggregateException>(() => RankThreads.Run(4, comm =>
        {
            using var cpu = new CpuBackend(1);
            var data = cpu.AllocateFloats(100);
            // rank 2 sends a window of another length: its neighbour fails and the abort reaches everyone
            comm.AllReduceSum(comm.Rank == 2 ? data.Slice(0, 50) : data);
            return 0;
        }, timeoutSeconds: 60))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(20), "the others waited for their timeout instead of the abort");
        Assert.That(error.InnerExceptions.Select(e => e.Message), Has.All.Contains("were expected"), "the first failure's reason reaches every rank");
    }

    [Test]
    public void ChunksCoverTheBufferInOrderWithSizesDifferingByAtMostOne(
        [Values(0L, 1L, 7L, 8L, 1001L)] long length, [Values(1, 3, 8)] int n)
    {
        long next = 0;
        var sizes = new List<long>();
        for (int c = 0; c < n; c++)
        {
            var (start, count) = RingCommunicator.ChunkRange(length, n, c);
            Assert.That(start, Is.EqualTo(next));
            next += count;
            sizes.Add(count);
        }
        Assert.That(next, Is.EqualTo(length));
        Assert.That(sizes.Max() - sizes.Min(), Is.LessThanOrEqualTo(1));
    }

    [TestCase(3, 10_007L)]
    public void HostStagingForDeviceReplicasGivesThePlainRingsBits(int n, long length)
    {
        var plain = AllReduce(n, length);
        var staged = RankThreads.Run(n, comm =>
        {
            using var device = new CpuBackend(1); // stands in for a device: the communicator only downloads and uploads
            var stagedComm = new HostStagedCommunicator(new HostView(comm), device);
            var data = device.AllocateFloats(length + 3);
            device.Upload(data.Slice(3), Input(comm.Rank, length));
            stagedComm.AllReduceSum(data.Slice(3));
            var result = new float[length];
            device.Download(data.Slice(3), result);
            return result;
        });
        for (int r = 0; r < n; r++) Assert.That(staged[r], Is.EqualTo(plain[r]).AsCollection, $"rank {r}");
    }

    /// <summary>Forwards to the rank's communicator without owning it (the rank thread disposes that one).</summary>
    private sealed class HostView(ICommunicator inner) : ICommunicator
    {
        public int Rank => inner.Rank;
        public int WorldSize => inner.WorldSize;
        public string Description => inner.Description;
        public TimeSpan Timeout => inner.Timeout;
        public void AllReduceSum(BertNative.Contract.FloatView data) => inner.AllReduceSum(data);
        public void Broadcast(BertNative.Contract.FloatView data, int root) => inner.Broadcast(data, root);
        public void Barrier() => inner.Barrier();
        public void Abort(string reason) => inner.Abort(reason);
        public void Dispose() { }
    }
}
