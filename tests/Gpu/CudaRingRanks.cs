using BertNative.Comm;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// Runs one body per rank of a <see cref="CudaRing"/>, each rank a thread with its own cuda backend on GPU 0
/// (separate buffers and streams on one device exercise the schedule, the events and the add kernel), and
/// rethrows every failure. Inconclusive without a GPU.
/// </summary>
public static class CudaRingRanks
{
    /// <summary>Inconclusive where no GPU is usable (call it outside Assert.Throws, which would catch it).</summary>
    public static void RequireGpu()
    {
        if (CudaProbe.UnavailableReason is { } reason) Assert.Inconclusive($"no CUDA GPU: {reason}");
    }

    public static T[] Run<T>(int worldSize, bool stageThroughHost, Func<ICommunicator, CudaBackend, T> body, double timeoutSeconds = 30)
    {
        RequireGpu();
        var backends = Enumerable.Range(0, worldSize).Select(_ => CudaBackend.Create(0)).ToArray();
        try
        {
            using var ring = new CudaRing(backends, TimeSpan.FromSeconds(timeoutSeconds), stageThroughHost);
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
