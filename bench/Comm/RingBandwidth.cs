using System.Diagnostics;
using BertNative.Comm;
using BertNative.Cpu;

namespace BertNative.Bench.Comm;

/// <summary>
/// `dotnet run -c Release --project bench -- ring [floats] [rounds]`: the in-process ring's bus bandwidth
/// (nccl-tests' definition, 2(N-1)/N x bytes / time) for N = 2, 3, 4 cpu replicas, next to this machine's
/// single-thread memcpy bandwidth over the same bytes. A plain timing loop: the ring needs N threads at once,
/// which BenchmarkDotNet's single-method harness does not give.
/// </summary>
public static class RingBandwidth
{
    public static void Run(string[] args)
    {
        long floats = args.Length > 1 ? long.Parse(args[1]) : 5_632_546; // the book model's gradient
        int rounds = args.Length > 2 ? int.Parse(args[2]) : 20;
        Console.WriteLine($"machine: {File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(":")[1].Trim() ?? "unknown CPU"}, {Environment.ProcessorCount} cores; buffer {floats:N0} floats ({floats * 4 / 1e6:F1} MB), best of {rounds}");
        double memcpy = MemcpyGBps(floats, rounds);
        Console.WriteLine($"memcpy (1 thread): {memcpy:F2} GB/s");
        Console.WriteLine("| N | best time (ms) | bus bandwidth (GB/s) | share of memcpy |");
        Console.WriteLine("|---:|---:|---:|---:|");
        foreach (int n in new[] { 2, 3, 4 })
        {
            double seconds = BestAllReduceSeconds(n, floats, rounds);
            double busbw = 2.0 * (n - 1) / n * floats * 4 / seconds / 1e9;
            Console.WriteLine($"| {n} | {seconds * 1e3:F2} | {busbw:F2} | {busbw / memcpy:P0} |");
        }
    }

    private static double MemcpyGBps(long floats, int rounds)
    {
        var a = new float[floats];
        var b = new float[floats];
        Random.Shared.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            a.AsSpan().CopyTo(b);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return floats * 4 / best / 1e9;
    }

    private static double BestAllReduceSeconds(int n, long floats, int rounds)
    {
        var ring = new InProcessRing(n, TimeSpan.FromSeconds(60));
        var best = new double[n];
        var threads = Enumerable.Range(0, n).Select(rank => new Thread(() =>
        {
            using var cpu = new CpuBackend(1);
            using var comm = new RingCommunicator(ring.Transport(rank), cpu);
            var data = cpu.AllocateFloats(floats);
            best[rank] = double.MaxValue;
            for (int r = 0; r < rounds; r++)
            {
                comm.Barrier();
                var clock = Stopwatch.StartNew();
                comm.AllReduceSum(data);
                best[rank] = Math.Min(best[rank], clock.Elapsed.TotalSeconds);
                cpu.Zero(data); // keep the values small: sums of zeros never overflow
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        return best.Max();
    }
}
