using BertNative.Comm;
using BertNative.Cpu;

namespace BertNative.Tests.Comm;

/// <summary>Runs one body per rank of an in-process ring, each on its own thread, and rethrows the first failure.</summary>
public static class RankThreads
{
    /// <summary>Each rank puts a copy of its input in a host buffer, runs the collective on it, and returns what the
    /// buffer holds afterwards.</summary>
    public static float[][] OnHostBuffers(int worldSize, Func<int, float[]> input, Action<ICommunicator, BertNative.Contract.FloatView> collective) =>
        Run(worldSize, comm =>
        {
            using var cpu = new CpuBackend(1);
            float[] values = [.. input(comm.Rank)];
            var data = cpu.AllocateFloats(values.Length);
            cpu.Upload(data, values);
            collective(comm, data);
            cpu.Download(data, values);
            return values;
        });

    public static T[] Run<T>(int worldSize, Func<ICommunicator, T> body, double timeoutSeconds = 30)
    {
        var ring = new InProcessRing(worldSize, TimeSpan.FromSeconds(timeoutSeconds));
        var results = new T[worldSize];
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
        {
            using var cpu = new CpuBackend(1);
            using var comm = new RingCommunicator(ring.Transport(rank), cpu);
            try { results[rank] = body(comm); }
            catch (Exception e) { errors[rank] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var first = errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw new AggregateException(errors.Where(e => e is not null)!);
        return results;
    }
}
