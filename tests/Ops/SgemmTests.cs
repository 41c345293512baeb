using System.Runtime.InteropServices;
using BertNative.Cpu;
using BertNative.Cpu.Gemm;

namespace BertNative.Tests.Ops;

/// <summary>The GEMMs against a naive float64 product: odd sizes, every transpose, padded strides, alpha, beta and bias.</summary>
public unsafe class SgemmTests
{
    private static readonly CpuParallel Parallel = new(Environment.ProcessorCount);

    public static IEnumerable<TestCaseData> Cases()
    {
        int[][] sizes = [[1, 1, 1], [7, 13, 5], [9, 33, 17], [19, 530, 300], [130, 21, 600], [37, 45, 2100]];
        foreach (string gemm in new[] { "managed-avx512", "managed-avx2", "openblas" })
            foreach (var s in sizes)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        yield return new TestCaseData(gemm, s[0], s[1], s[2], transA, transB);
    }

    private static ISgemm? Create(string name) => name switch
    {
        "managed-avx512" => new ManagedSgemm(Parallel, avx512: true),
        "managed-avx2" => new ManagedSgemm(Parallel, avx512: false),
        _ => OpenBlasSgemm.TryCreate(Parallel),
    };

    [TestCaseSource(nameof(Cases))]
    public void MatchesNaiveProduct(string name, int m, int n, int k, bool transA, bool transB)
    {
        var gemm = Create(name);
        if (gemm == null) Assert.Inconclusive($"{name} is not available here");
        var random = new Random(m * 1000 + n * 10 + k);
        // Stored shapes of A and B, with a few columns of padding so ld exceeds the logical width.
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + 3, ldb = bCols + 5, ldc = n + 2;
        float[] a = RandomFloats(random, aRows * lda), b = RandomFloats(random, bRows * ldb), bias = RandomFloats(random, n);
        foreach (var (beta, withBias) in new[] { (0f, false), (0.5f, false), (0f, true), (0.5f, true) })
        {
            float[] c = beta == 0 ? Enumerable.Repeat(float.NaN, m * ldc).ToArray() : RandomFloats(random, m * ldc);
            var expected = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                        sum += (double)a[transA ? p * lda + i : i * lda + p] * b[transB ? j * ldb + p : p * ldb + j];
                    expected[i * n + j] = 1.5 * sum + (beta == 0 ? 0 : beta * (double)c[i * ldc + j]) + (withBias ? bias[j] : 0);
                }
            fixed (float* pa = a, pb = b, pc = c, pBias = bias)
                gemm.Sgemm(transA, transB, m, n, k, 1.5f, pa, lda, pb, ldb, beta, pc, ldc, withBias ? pBias : null);
            var actual = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) actual[i * n + j] = c[i * ldc + j];
            ParityAssert.Close($"{name} beta {beta}{(withBias ? " with bias" : "")}", expected, actual, 1e-5);
            for (int i = 0; i < m; i++)
                for (int j = n; j < ldc; j++)
                    Assert.That(c[i * ldc + j], beta == 0 ? Is.NaN : Is.Not.NaN, "padding between rows of C was written");
        }
    }

    [Test]
    public void SerialMatchesParallel()
    {
        var gemm = new ManagedSgemm(Parallel);
        var random = new Random(5);
        int m = 100, n = 70, k = 300;
        float[] a = RandomFloats(random, m * k), b = RandomFloats(random, k * n), c1 = new float[m * n], c2 = new float[m * n];
        fixed (float* pa = a, pb = b, p1 = c1, p2 = c2)
        {
            gemm.Sgemm(false, false, m, n, k, 1f, pa, k, pb, n, 0f, p1, n);
            gemm.SgemmSerial(false, false, m, n, k, 1f, pa, k, pb, n, 0f, p2, n);
        }
        Assert.That(c2, Is.EqualTo(c1));
    }

    private static float[] RandomFloats(Random random, int n)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>
    /// Prints GFLOP/s of the GEMMs at the book's shapes (no assertion: run it on purpose, e.g. with
    /// --filter "FullyQualifiedName~PrintThroughput" --output detailed). Besides wall-clock GFLOP/s it prints GFLOP per
    /// CPU-second of the process, which stays meaningful when other processes share the cores (spinning threads count as busy).
    /// </summary>
    [Test, Explicit("throughput print, not a check"), Category("Benchmark")]
    public void PrintThroughput()
    {
        int threads = Environment.ProcessorCount;
        var parallel = new CpuParallel(threads);
        var gemms = new List<(string Name, ISgemm Gemm)> { ($"managed, {threads} threads", new ManagedSgemm(parallel)) };
        if (OpenBlasSgemm.TryCreate(parallel) is { } openBlas) gemms.Add(($"OpenBLAS, {threads} threads", openBlas));
        (string What, bool TA, bool TB, int M, int N, int K)[] shapes =
        [
            ("qkv forward   x[32768,128] W^T[128,384]  ", false, true, 32768, 384, 128),
            ("logits        x[5120,128] W^T[128,20256] ", false, true, 5120, 20256, 128),
            ("logits dinput dy[5120,20256] W[20256,128]", false, false, 5120, 128, 20256),
            ("logits dW     dy^T[20256,5120] x[5120,128]", true, false, 20256, 128, 5120),
            ("ffn dW        dy^T[256,32768] x[32768,128]", true, false, 256, 128, 32768),
        ];
        foreach (var s in shapes)
        {
            int aRows = s.TA ? s.K : s.M, aCols = s.TA ? s.M : s.K, bRows = s.TB ? s.N : s.K, bCols = s.TB ? s.K : s.N;
            float* a = Alloc((long)aRows * aCols), b = Alloc((long)bRows * bCols), c = Alloc((long)s.M * s.N);
            double flop = 2.0 * s.M * s.N * s.K;
            foreach (var (name, gemm) in gemms)
            {
                var (wall, cpu) = Time(() => gemm.Sgemm(s.TA, s.TB, s.M, s.N, s.K, 1f, a, aCols, b, bCols, 0f, c, s.N));
                TestContext.Out.WriteLine($"{s.What} {name,-22}: {flop / wall / 1e9,6:F1} GFLOP/s wall, {flop / cpu / 1e9,6:F1} per CPU-second");
            }
            var serial = new ManagedSgemm(parallel);
            var (wall1, cpu1) = Time(() => serial.SgemmSerial(s.TA, s.TB, s.M, s.N, s.K, 1f, a, aCols, b, bCols, 0f, c, s.N));
            TestContext.Out.WriteLine($"{s.What} {"managed, 1 thread",-22}: {flop / wall1 / 1e9,6:F1} GFLOP/s wall, {flop / cpu1 / 1e9,6:F1} per CPU-second");
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }

    /// <summary>Seconds of wall clock and of process CPU time per run, after a warm-up run.</summary>
    private static (double Wall, double Cpu) Time(Action run)
    {
        const int reps = 3;
        run();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int r = 0; r < reps; r++) run();
        double wall = clock.Elapsed.TotalSeconds / reps;
        return (wall, (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds / reps);
    }

    private static float* Alloc(long n)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(n * sizeof(float)), 64);
        new Span<float>(p, (int)n).Fill(0.5f);
        return p;
    }
}
