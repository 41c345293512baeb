using BertNative.Comm;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// Runs one body per rank of a <see cref="CudaRing"/>, each rank a thread with its own cuda backend, and rethrows
/// every failure. Inconclusive without a GPU. The ranks share GPU 0 (separate buffers and streams on one device
/// exercise the schedule, the events and the add kernel), are staged through pinned host memory, or sit on GPUs
/// 0..N-1 and copy between peers (Inconclusive with fewer GPUs; the CPU simulation has two devices by default).
/// </summary>
public static class CudaRingRanks
{
    /// <summary>Inconclusive where no GPU is usable (call it outside Assert.Throws, which would catch it).</summary>
    public static void RequireGpu()
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
    }

    public static T[] Run<T>(int worldSize, bool stageThroughHost, Func<ICommunicator, CudaBackend, T> body, double timeoutSeconds = 30) =>
        Run(worldSize, stageThroughHost ? RingPlacement.HostStaged : RingPlacement.OneDevice, body, timeoutSeconds);

    public static T[] Run<T>(int worldSize, RingPlacement placement, Func<ICommunicator, CudaBackend, T> body, double timeoutSeconds = 30)
    {
        RequireGpu();
        if (placement == RingPlacement.Peers && CudaProbe.DeviceCount < worldSize)
            Assert.Inconclusive($"{worldSize} ranks on their own GPUs need {worldSize} GPUs; {CudaProbe.DeviceCount} visible");
        var backends = Enumerable.Range(0, worldSize).Select(r => CudaBackend.Create(placement == RingPlacement.Peers ? r : 0)).ToArray();
        try
        {
            using var ring = new CudaRing(backends, TimeSpan.FromSeconds(timeoutSeconds), placement == RingPlacement.HostStaged);
            if (placement == RingPlacement.Peers)
                Assert.That(ring.Description, Does.Contain("peer copies"), "peer access between the GPUs could not be enabled");
            TestContext.Out.WriteLine(ring.Description);
            var results = new T[worldSize];
            var errors = new Exception?[worldSize];
            var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
            {
                using var comm = new RingCommunicator(ring.Transport(rank), backends[rank]);
                try { results[rank] = body(comm, backends[rank]); }
                catch (Exception e) { errors[rank] = e; }
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            if (errors.Any(e => e is not null)) throw new AggregateException(errors.Where(e => e is not null)!);
            return results;
        }
        finally
        {
            foreach (var backend in backends) backend.Dispose();
        }
    }
}

/// <summary>Where the ranks of a test ring sit and how their windows travel.</summary>
public enum RingPlacement
{
    /// <summary>Every rank on GPU 0, device copies.</summary>
    OneDevice,
    /// <summary>Every rank on GPU 0, every window through pinned host memory.</summary>
    HostStaged,
    /// <summary>Rank r on GPU r, peer copies.</summary>
    Peers,
}
