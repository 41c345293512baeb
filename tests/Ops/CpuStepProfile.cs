using System.Diagnostics;
using BertNative.Interop;
using BertNative.Interop.Cpu;

namespace BertNative.Tests.Ops;

/// <summary>
/// Times the op calls of one book-config training step (B 512, T 64, H 128, F 256, 2 heads, 2 layers, V 20256,
/// P 10) on the cpu backend and prints milliseconds per op and the implied pairs/s. Values are random; only the
/// shapes and the call sequence matter. A print, not a check: run it on purpose.
/// </summary>
public class CpuStepProfile
{
    private const int B = 512, T = 64, H = 128, F = 256, Heads = 2, Layers = 2, V = 20256, P = 10;
    private const int N = B * T, BP = B * P;

    private readonly Dictionary<string, (double Wall, double Cpu)> _milliseconds = [];

    [Test, Explicit("profile print, not a check"), Category("Benchmark")]
    public void PrintBookStepProfile([Values("auto", "managed")] string gemm)
    {
        using var cpu = new CpuBackend(gemm: gemm == "managed" ? CpuGemm.Managed : CpuGemm.Auto);
        var x = new Tensors(cpu);
        Step(cpu, x);
        _milliseconds.Clear();
        var cpuBefore = Environment.CpuUsage.TotalTime;
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        Step(cpu, x);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        double total = clock.Elapsed.TotalMilliseconds;
        double cpuMs = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
        // CPU time (all threads, spinning included) stays meaningful when other processes share the cores.
        TestContext.Out.WriteLine($"{cpu.DeviceDescription}: op, wall ms, process CPU ms");
        foreach (var (op, ms) in _milliseconds.OrderByDescending(p => p.Value.Cpu))
            TestContext.Out.WriteLine($"  {op,-28} {ms.Wall,8:F1} {ms.Cpu,8:F1}");
        TestContext.Out.WriteLine($"  step {total:F0} ms wall ({B / total * 1000:F0} pairs/s), {cpuMs:F0} ms CPU over {cpu.Threads} threads, {allocated / 1024} KiB managed allocations (profiler's included)");
    }

    private void Time(string op, Action run)
    {
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        run();
        double wall = clock.Elapsed.TotalMilliseconds;
        double cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
        var sum = _milliseconds.GetValueOrDefault(op);
        _milliseconds[op] = (sum.Wall + wall, sum.Cpu + cpu);
    }

    /// <summary>Activations and parameters of the step, allocated once (as the model does).</summary>
    private sealed class Tensors
    {
        public readonly IntView Tokens, Segments, Lens, Positions, ClsPositions, MlmLabels, NspLabels;
        public readonly FloatView TokenTable, SegmentTable, PositionTable, Embedded;
        public readonly FloatView Wqkv, Bqkv, Wo, Bo, W1, B1, W2, B2, Gamma, Beta, Wm, Bm, Wv, Bv, Wn, Bn, Wc, Bc;
        public readonly FloatView Qkv, Probs, Attn, Proj, Hidden1, Ffn, Ffn2, Residual, Y, Mean, Rstd, Out;
        public readonly FloatView Gathered, MlmHidden, MlmAct, MlmNorm, Logits, Losses, Weights, Cls, Pooled, PooledAct, NspLogits, NspLosses;
        public readonly FloatView Scratch1, Scratch2, Scratch3, Params, Grads, M, Vv;

        public Tensors(CpuBackend c)
        {
            var random = new Random(1);
            FloatView R(long n, double scale = 0.1)
            {
                var view = c.AllocateFloats(n);
                var data = new float[n];
                for (long i = 0; i < n; i++) data[i] = (float)((random.NextDouble() * 2 - 1) * scale);
                c.Upload(view, data);
                return view;
            }
            IntView I(int n, int below)
            {
                var view = c.AllocateInts(n);
                c.Upload(view, [.. Enumerable.Range(0, n).Select(_ => random.Next(below))]);
                return view;
            }
            Tokens = I(N, V); Segments = I(N, 2); Lens = I(B, T - 1); Positions = I(BP, T); ClsPositions = I(B, 1);
            MlmLabels = I(BP, V); NspLabels = I(B, 2);
            var lens = new int[B];
            c.Download(Lens, lens);
            c.Upload(Lens, [.. lens.Select(l => l + 1)]);
            TokenTable = R((long)V * H); SegmentTable = R(2 * H); PositionTable = R(1000 * H); Embedded = R((long)N * H);
            Wqkv = R(3 * H * H); Bqkv = R(3 * H); Wo = R(H * H); Bo = R(H); W1 = R(F * H); B1 = R(F); W2 = R(H * F); B2 = R(H);
            Gamma = R(H); Beta = R(H); Wm = R(H * H); Bm = R(H); Wv = R((long)V * H); Bv = R(V); Wn = R(H * H); Bn = R(H); Wc = R(2 * H); Bc = R(2);
            Qkv = R((long)N * 3 * H); Probs = R((long)B * Heads * T * T); Attn = R((long)N * H); Proj = R((long)N * H);
            Hidden1 = R((long)N * F); Ffn = R((long)N * F); Ffn2 = R((long)N * H); Residual = R((long)N * H); Y = R((long)N * H);
            Mean = R(N); Rstd = R(N); Out = R((long)N * H);
            Gathered = R((long)BP * H); MlmHidden = R((long)BP * H); MlmAct = R((long)BP * H); MlmNorm = R((long)BP * H);
            Logits = R((long)BP * V); Losses = R(BP); Weights = R(BP); Cls = R(B * H); Pooled = R(B * H); PooledAct = R(B * H);
            NspLogits = R(B * 2); NspLosses = R(B);
            Scratch1 = R((long)N * F); Scratch2 = R((long)N * F); Scratch3 = R((long)N * 3 * H);
            const long parameters = 5_632_546;
            Params = R(parameters); Grads = R(parameters); M = R(parameters); Vv = R(parameters, 0.01);
        }
    }

    private void Step(CpuBackend c, Tensors x)
    {
        var drop = Dropout.For(0.2f, 1, 1, 1);
        FloatView G(FloatView like) => x.Grads.Slice(0, Math.Min(like.Count, x.Grads.Count));
        Time("Zero grads", () => c.Zero(x.Grads));
        Time("EmbeddingForward", () => c.EmbeddingForward(x.Embedded, x.Tokens, x.Segments, x.TokenTable, x.SegmentTable, x.PositionTable, B, T, H));
        for (int l = 0; l < Layers; l++)
        {
            Time("MatmulForward", () => c.MatmulForward(x.Qkv, x.Embedded, x.Wqkv, x.Bqkv, N, H, 3 * H));
            Time("AttentionForward", () => c.AttentionForward(x.Attn, x.Probs, x.Qkv, x.Lens, B, T, H, Heads, drop));
            Time("MatmulForward", () => c.MatmulForward(x.Proj, x.Attn, x.Wo, x.Bo, N, H, H));
            Time("DropoutForward", () => c.DropoutForward(x.Proj, x.Proj, (long)N * H, drop));
            Time("ResidualLayerNormForward", () => c.ResidualLayerNormForward(x.Y, x.Residual, x.Mean, x.Rstd, x.Embedded, x.Proj, x.Gamma, x.Beta, N, H, 1e-5f));
            Time("MatmulForward", () => c.MatmulForward(x.Hidden1, x.Y, x.W1, x.B1, N, H, F));
            Time("ActivationForward", () => c.ActivationForward(Activation.Relu, x.Ffn, x.Hidden1, (long)N * F));
            Time("MatmulForward", () => c.MatmulForward(x.Ffn2, x.Ffn, x.W2, x.B2, N, F, H));
            Time("DropoutForward", () => c.DropoutForward(x.Ffn2, x.Ffn2, (long)N * H, drop));
            Time("ResidualLayerNormForward", () => c.ResidualLayerNormForward(x.Out, x.Residual, x.Mean, x.Rstd, x.Y, x.Ffn2, x.Gamma, x.Beta, N, H, 1e-5f));
        }
        Time("GatherForward", () => c.GatherForward(x.Gathered, x.Out, x.Positions, B, T, P, H));
        Time("MatmulForward", () => c.MatmulForward(x.MlmHidden, x.Gathered, x.Wm, x.Bm, BP, H, H));
        Time("ActivationForward", () => c.ActivationForward(Activation.Relu, x.MlmAct, x.MlmHidden, (long)BP * H));
        Time("LayerNormForward", () => c.LayerNormForward(x.MlmNorm, x.Mean, x.Rstd, x.MlmAct, x.Gamma, x.Beta, BP, H, 1e-5f));
        Time("MatmulForward logits", () => c.MatmulForward(x.Logits, x.MlmNorm, x.Wv, x.Bv, BP, H, V));
        Time("SoftmaxCrossEntropy", () => c.SoftmaxCrossEntropy(x.Losses, x.Logits, x.Logits, x.MlmLabels, x.Weights, 1f / BP, BP, V));
        Time("GatherForward", () => c.GatherForward(x.Cls, x.Out, x.ClsPositions, B, T, 1, H));
        Time("MatmulForward", () => c.MatmulForward(x.Pooled, x.Cls, x.Wn, x.Bn, B, H, H));
        Time("ActivationForward", () => c.ActivationForward(Activation.Tanh, x.PooledAct, x.Pooled, B * H));
        Time("MatmulForward", () => c.MatmulForward(x.NspLogits, x.PooledAct, x.Wc, x.Bc, B, H, 2));
        Time("SoftmaxCrossEntropy", () => c.SoftmaxCrossEntropy(x.NspLosses, x.NspLogits, x.NspLogits, x.NspLabels, null, 1f / B, B, 2));
        Time("WeightedSum", () => c.WeightedSum(x.Losses.Slice(0, 1), x.Losses, x.Weights, BP));

        // Backward (gradients land in scratch or in the shared gradient block; values do not matter here).
        Time("MatmulBackward", () => c.MatmulBackward(x.Pooled, false, G(x.Wc), G(x.Bc), x.NspLogits, x.PooledAct, x.Wc, B, H, 2));
        Time("ActivationBackward", () => c.ActivationBackward(Activation.Tanh, x.Pooled, x.Pooled, x.Pooled, x.PooledAct, B * H));
        Time("MatmulBackward", () => c.MatmulBackward(x.Cls, false, G(x.Wn), G(x.Bn), x.Pooled, x.Cls, x.Wn, B, H, H));
        Time("MatmulBackward logits", () => c.MatmulBackward(x.MlmAct, false, G(x.Wv), G(x.Bv), x.Logits, x.MlmNorm, x.Wv, BP, H, V));
        Time("LayerNormBackward", () => c.LayerNormBackward(x.MlmHidden, G(x.Gamma), G(x.Beta), x.MlmAct, x.MlmAct, x.Gamma, x.Mean, x.Rstd, BP, H));
        Time("ActivationBackward", () => c.ActivationBackward(Activation.Relu, x.MlmHidden, x.MlmHidden, x.MlmHidden, x.MlmAct, (long)BP * H));
        Time("MatmulBackward", () => c.MatmulBackward(x.Gathered, false, G(x.Wm), G(x.Bm), x.MlmHidden, x.Gathered, x.Wm, BP, H, H));
        Time("GatherBackward", () => c.GatherBackward(x.Out, x.Gathered, x.Positions, B, T, P, H));
        Time("GatherBackward", () => c.GatherBackward(x.Out, x.Cls, x.ClsPositions, B, T, 1, H));
        for (int l = 0; l < Layers; l++)
        {
            Time("LayerNormBackward", () => c.LayerNormBackward(x.Ffn2, G(x.Gamma), G(x.Beta), x.Out, x.Residual, x.Gamma, x.Mean, x.Rstd, N, H));
            Time("DropoutBackward", () => c.DropoutBackward(x.Scratch1, x.Ffn2, (long)N * H, drop));
            Time("MatmulBackward", () => c.MatmulBackward(x.Scratch2, false, G(x.W2), G(x.B2), x.Scratch1, x.Ffn, x.W2, N, F, H));
            Time("ActivationBackward", () => c.ActivationBackward(Activation.Relu, x.Scratch2, x.Scratch2, x.Hidden1, x.Ffn, (long)N * F));
            Time("MatmulBackward", () => c.MatmulBackward(x.Y, true, G(x.W1), G(x.B1), x.Scratch2, x.Y, x.W1, N, H, F));
            Time("LayerNormBackward", () => c.LayerNormBackward(x.Proj, G(x.Gamma), G(x.Beta), x.Y, x.Residual, x.Gamma, x.Mean, x.Rstd, N, H));
            Time("DropoutBackward", () => c.DropoutBackward(x.Scratch1, x.Proj, (long)N * H, drop));
            Time("MatmulBackward", () => c.MatmulBackward(x.Attn, false, G(x.Wo), G(x.Bo), x.Scratch1, x.Attn, x.Wo, N, H, H));
            Time("AttentionBackward", () => c.AttentionBackward(x.Scratch3, x.Attn, x.Qkv, x.Probs, x.Lens, B, T, H, Heads, drop));
            Time("MatmulBackward", () => c.MatmulBackward(x.Out, true, G(x.Wqkv), G(x.Bqkv), x.Scratch3, x.Embedded, x.Wqkv, N, H, 3 * H));
        }
        Time("EmbeddingBackward", () => c.EmbeddingBackward(G(x.TokenTable), x.Grads.Slice(0, 2 * H), x.Grads.Slice(0, 1000 * H), x.Out, x.Tokens, x.Segments, B, T, H));
        Time("SumOfSquares", () => c.SumOfSquares(x.Losses.Slice(0, 1), x.Grads, x.Grads.Count));
        Time("AdamStep", () => c.AdamStep(x.Params, x.Grads, x.M, x.Vv, x.Params.Count, new AdamSettings(0.01f), 1));
    }
}
