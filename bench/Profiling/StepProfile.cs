using BertNative.Bench.Step;
using BertNative.Cpu;

namespace BertNative.Bench.Profiling;

/// <summary>Where a book training step spends its time on the cpu backend, op by op, for each GEMM (the mean of
/// <see cref="Steps"/> steps after a warm-up, so a noisy neighbour on a shared machine blurs it less). A print.</summary>
public static class StepProfile
{
    public const int Steps = 5;

    public static void Run()
    {
        var examples = BookStep.BookExamples(seed: 1);
        foreach (var gemm in new[] { CpuGemm.Managed, CpuGemm.OpenBlas })
        {
            using var timed = new TimedBackend(new CpuBackend(gemm: gemm));
            var step = new BookStep(timed, examples, seed: 1);
            step.Run(1); // warm-up: JIT, first touch
            timed.Reset();
            for (int t = 2; t < 2 + Steps; t++) step.Run(t);
            Console.WriteLine($"{timed.DeviceDescription}: op, ms per step, calls per step");
            foreach (var (op, ms, calls) in timed.Times) Console.WriteLine($"  {op,-28} {ms / Steps,8:F1} {calls / Steps,5}");
            double total = timed.Times.Sum(t => t.Milliseconds) / Steps;
            Console.WriteLine($"  step {total:F0} ms inside ops ({BookStep.BatchSize / total * 1000:F0} pairs/s)");
        }
    }
}
