using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

/// <summary>Checks of the cpu backend that need exact values rather than a reference comparison.</summary>
public class CpuOpTests
{
    [Test]
    public void AdamMatchesHandComputedSteps()
    {
        using var cpu = new CpuBackend(1);
        FloatView p = cpu.AllocateFloats(1), g = cpu.AllocateFloats(1), m = cpu.AllocateFloats(1), v = cpu.AllocateFloats(1);
        cpu.Upload(p, [1f]);
        var settings = new AdamSettings(0.1f);
        // Step 1, g = 0.5: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25, p = 1 - 0.1 * 0.5 / (0.5 + 1e-8).
        // Step 2, g = -1: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975,
        //   m^ = -0.055 / 0.19, v^ = 0.00124975 / 0.001999, p -= 0.1 m^ / (sqrt(v^) + 1e-8).
        double p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
        double mHat2 = -0.055 / (1 - 0.9 * 0.9), vHat2 = 0.00124975 / (1 - 0.999 * 0.999);
        double p2 = p1 - 0.1 * mHat2 / (Math.Sqrt(vHat2) + 1e-8);
        float[] result = new float[1];
        cpu.Upload(g, [0.5f]);
        cpu.AdamStep(p, g, m, v, 1, settings, 1);
        cpu.Download(p, result);
        Assert.That(result[0], Is.EqualTo(p1).Within(1e-6));
        cpu.Upload(g, [-1f]);
        cpu.AdamStep(p, g, m, v, 1, settings, 2);
        cpu.Download(p, result);
        Assert.That(result[0], Is.EqualTo(p2).Within(1e-6));
        cpu.Download(m, result);
        Assert.That(result[0], Is.EqualTo(-0.055).Within(1e-7));
    }

    [Test]
    public void DropoutMaskIsExactlyTheContractsRng()
    {
        using var cpu = new CpuBackend();
        const int n = 50_001;
        var dropout = Dropout.For(0.2f, seed: 42, step: 7, site: 3);
        FloatView input = cpu.AllocateFloats(n), output = cpu.AllocateFloats(n);
        cpu.Upload(input, Enumerable.Repeat(1f, n).ToArray());
        cpu.DropoutForward(output, input, n, dropout);
        var actual = new float[n];
        cpu.Download(output, actual);
        for (int i = 0; i < n; i++)
            if (actual[i] != (DropoutRng.Keep(dropout, i) ? dropout.Scale : 0f))
                Assert.Fail($"element {i}: {actual[i]}, keep = {DropoutRng.Keep(dropout, i)}");
    }

    [Test]
    public unsafe void DropoutMaskOfShortRunsIsExactlyTheContractsRng()
    {
        // Attention applies the mask row by row (runs of valid_len), so every tail length must match the RNG.
        var dropout = Dropout.For(0.3f, seed: 9, step: 2, site: 1);
        var ones = Enumerable.Repeat(1f, 40).ToArray();
        var actual = new float[40];
        for (int n = 1; n <= 40; n++)
            for (long first = 0; first < 5_000; first += 1_237)
            {
                fixed (float* src = ones, dst = actual) DropoutMask.Apply(dst, src, n, first, dropout);
                for (int i = 0; i < n; i++)
                    if (actual[i] != (DropoutRng.Keep(dropout, first + i) ? dropout.Scale : 0f))
                        Assert.Fail($"run of {n} from {first}, element {i}: {actual[i]}");
            }
    }

    [Test]
    public void FloatExpIsAccurateTo1p5UlpAndKeepsTheEdges()
    {
        double worst = 0;
        for (double x = -87.3; x < 88.7; x += 0.000731)
        {
            double exact = Math.Exp((float)x);
            worst = Math.Max(worst, Math.Abs(FloatExp.Exp((float)x) - exact) / exact);
        }
        Assert.Multiple(() =>
        {
            Assert.That(worst, Is.LessThan(1.5 * 5.96e-8), "relative error over the normal range");
            Assert.That(FloatExp.Exp(0f), Is.EqualTo(1f));
            Assert.That(FloatExp.Exp(88.8f), Is.EqualTo(float.PositiveInfinity), "overflow");
            Assert.That(FloatExp.Exp(float.PositiveInfinity), Is.EqualTo(float.PositiveInfinity));
            Assert.That(FloatExp.Exp(-95f), Is.EqualTo((float)Math.Exp(-95)).Within(1.5e-45), "gradual underflow");
            Assert.That(FloatExp.Exp(-1e6f), Is.EqualTo(0f), "a masked score");
            Assert.That(FloatExp.Exp(float.NegativeInfinity), Is.EqualTo(0f));
            Assert.That(FloatExp.Exp(float.NaN), Is.NaN, "NaN must not turn into a number");
        });
    }

    [Test]
    public unsafe void FloatErfIsAccurateTo1e7()
    {
        float[] xs = [.. Enumerable.Range(0, 10 * 4096 + 1).Select(i => (float)(-5 + i / 4096.0))];
        float[] vector = new float[xs.Length], wide = new float[xs.Length];
        fixed (float* p = xs, q = vector, w = wide)
        {
            for (int i = 0; i + 8 <= xs.Length; i += 8) Lanes8.Store(FloatErf.Erf(Lanes8.Load(p + i)), q + i);
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
                for (int i = 0; i + 16 <= xs.Length; i += 16) Lanes16.Store(FloatErf.Erf(Lanes16.Load(p + i)), w + i);
        }
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
            Assert.That(wide.AsSpan(0, xs.Length / 16 * 16).ToArray(), Is.EqualTo(vector.AsSpan(0, xs.Length / 16 * 16).ToArray()), "16 lanes give 8 lanes' bits");
        double worstScalar = 0, worstVector = 0;
        for (int i = 0; i < xs.Length / 8 * 8; i++)
        {
            double exact = DoubleErf.Erf(xs[i]), scale = Math.Max(Math.Abs(exact), 1e-30);
            worstScalar = Math.Max(worstScalar, Math.Abs(FloatErf.Erf(xs[i]) - exact) / scale);
            worstVector = Math.Max(worstVector, Math.Abs(vector[i] - exact) / scale);
        }
        Assert.Multiple(() =>
        {
            Assert.That(worstScalar, Is.LessThan(2.5e-7), "scalar");
            Assert.That(worstVector, Is.LessThan(2.5e-7), "vector");
        });
    }

    [TestCase(0.0, 0.0)]
    [TestCase(0.5, 0.52049987781304654)]
    [TestCase(1.0, 0.84270079294971487)]
    [TestCase(2.0, 0.99532226501895273)]
    [TestCase(-3.0, -0.99997790950300141)]
    [TestCase(1e-10, 1.1283791670955126e-10)]
    public void DoubleErfMatchesKnownValues(double x, double erf)
        => Assert.That(DoubleErf.Erf(x), Is.EqualTo(erf).Within(1e-15 * Math.Max(1, Math.Abs(erf))));

    [Test]
    public void EnvironmentVariableForcesTheManagedGemm() => WithGemmVariable("managed", () =>
    {
        using var cpu = new CpuBackend(2);
        Assert.That(cpu.DeviceDescription, Does.Contain("managed").And.Contain($"{CpuBackend.GemmEnvironmentVariable}=managed"));
    });

    [Test]
    public void EnvironmentVariableForcesOpenBlas()
    {
        Assume.That(System.Runtime.InteropServices.NativeLibrary.TryLoad("libopenblas.so.0", out _), "libopenblas.so.0 is not installed");
        WithGemmVariable("openblas", () =>
        {
            using var cpu = new CpuBackend(2);
            Assert.That(cpu.DeviceDescription, Does.Contain("OpenBLAS").And.Contain($"{CpuBackend.GemmEnvironmentVariable}=openblas"));
            Assert.That(cpu.DeviceDescription, Does.Match(@"OpenBLAS sgemm \((Haswell|Zen|SkylakeX|Cooperlake|Prescott|Sandybridge|Nehalem|Core2)\b.* kernels"), "names OpenBLAS's core");
        });
    }

    [TestCase("Prescott", true, false, "OpenBLAS sgemm (Prescott kernels; this CPU has AVX2: OPENBLAS_CORETYPE=Haswell may be faster)")]
    [TestCase("Prescott", true, true, "OpenBLAS sgemm (Prescott kernels; this CPU has AVX-512: OPENBLAS_CORETYPE=SkylakeX may be faster)")]
    [TestCase("Haswell", true, true, "OpenBLAS sgemm (Haswell kernels; this CPU has AVX-512: OPENBLAS_CORETYPE=SkylakeX may be faster)")]
    [TestCase("Haswell", true, false, "OpenBLAS sgemm (Haswell kernels)")]
    [TestCase("Cooperlake", true, true, "OpenBLAS sgemm (Cooperlake kernels)")]
    [TestCase("Prescott", false, false, "OpenBLAS sgemm (Prescott kernels)")]
    public void TheOpenBlasLineNamesTheCoreAndABetterOneTheCpuRuns(string core, bool avx2, bool avx512, string expected)
        => Assert.That(BertNative.Cpu.Gemm.OpenBlasCore.Describe(core, avx2, avx512), Is.EqualTo(expected));

    [Test]
    public void UnknownGemmInTheEnvironmentVariableSaysWhatIsWrong() => WithGemmVariable("mkl", () =>
        Assert.That(() => new CpuBackend(2), Throws.InstanceOf<BertNativeException>().With.Message.Contains("use managed or openblas")));

    private static void WithGemmVariable(string value, Action body)
    {
        Environment.SetEnvironmentVariable(CpuBackend.GemmEnvironmentVariable, value);
        try
        {
            body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(CpuBackend.GemmEnvironmentVariable, null);
        }
    }

    [Test]
    public void DescriptionNamesTheGemm()
    {
        using var managed = new CpuBackend(2, CpuGemm.Managed);
        Assert.That(managed.DeviceDescription, Does.Contain("managed").And.Contain("2 threads"));
        TestContext.Out.WriteLine(managed.DeviceDescription);
        using var auto = new CpuBackend();
        TestContext.Out.WriteLine(auto.DeviceDescription);
        Assert.That(auto.Name, Is.EqualTo("cpu"));
    }
}
