using BertNative.Contract;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// Every op on cuda against the cpu backend at the book's shapes (H 128, 2 heads, T 64) and awkward
/// ones: T not a multiple of 32, valid_len 1 and T, BERT-base's H 768 / 12 heads / T 512, odd
/// element offsets. Outputs start as NaN, so an element a kernel forgets to write fails.
/// </summary>
[TestFixture, Category("GPU")]
public class CudaOpTests
{
    CudaBackend cuda = null!;
    IBackend cpu = null!;

    [OneTimeSetUp]
    public void CreateBackends()
    {
        cuda = GpuPair.CreateCudaOrInconclusive();
        cpu = GpuPair.CreateCpu();
    }

    [OneTimeTearDown]
    public void DisposeBackends()
    {
        cuda?.Dispose();
        cpu?.Dispose();
    }

    GpuPair Pair(int seed = 1) => new(cuda, cpu, seed);

    [TestCase(4, 64, 128, 100, true)]
    [TestCase(3, 37, 768, 50, false)]
    public void Embedding(int B, int T, int H, int V, bool trainPositions)
    {
        using var p = Pair();
        var tokens = p.Input(p.Ints(B * T, V));
        var segments = p.Input(p.Ints(B * T, 2));
        var tokenTable = p.Input(p.Floats(V * H));
        var segmentTable = p.Input(p.Floats(2 * H));
        var positionTable = p.Input(p.Floats((T + 3) * H));
        var output = p.Poisoned(B * T * H);
        cpu.EmbeddingForward(output.Cpu, tokens.Cpu, segments.Cpu, tokenTable.Cpu, segmentTable.Cpu, positionTable.Cpu, B, T, H);
        cuda.EmbeddingForward(output.Gpu, tokens.Gpu, segments.Gpu, tokenTable.Gpu, segmentTable.Gpu, positionTable.Gpu, B, T, H);
        p.Check("embedding output", output, 1e-6);

        var doutput = p.Input(p.Floats(B * T * H));
        var dToken = p.Input(p.Floats(V * H));  // gradients accumulate onto what is there
        var dSegment = p.Input(p.Floats(2 * H));
        var dPosition = p.Input(p.Floats((T + 3) * H));
        cpu.EmbeddingBackward(dToken.Cpu, dSegment.Cpu, trainPositions ? dPosition.Cpu : null, doutput.Cpu, tokens.Cpu, segments.Cpu, B, T, H);
        cuda.EmbeddingBackward(dToken.Gpu, dSegment.Gpu, trainPositions ? dPosition.Gpu : null, doutput.Gpu, tokens.Gpu, segments.Gpu, B, T, H);
        p.Check("dtoken", dToken);
        p.Check("dsegment", dSegment);
        p.Check("dposition", dPosition);
    }

    [TestCase(512 * 64, 128, 384, true, 0)]   // the book's fused QKV
    [TestCase(37, 768, 3072, true, 1)]        // BERT-base FFN, unaligned views
    [TestCase(65, 33, 17, false, 3)]
    public void Matmul(int N, int I, int O, bool withBias, int offset)
    {
        using var p = Pair();
        var input = p.Input(p.Floats(N * I), offset);
        var weight = p.Input(p.Floats(O * I, 0.1f), offset);
        var bias = p.Input(p.Floats(O), offset);
        var output = p.Poisoned(N * O, offset);
        cpu.MatmulForward(output.Cpu, input.Cpu, weight.Cpu, withBias ? bias.Cpu : null, N, I, O);
        cuda.MatmulForward(output.Gpu, input.Gpu, weight.Gpu, withBias ? bias.Gpu : null, N, I, O);
        p.Check("output", output);

        foreach (bool accumulate in new[] { false, true })
        {
            var doutput = p.Input(p.Floats(N * O), offset);
            var dinput = accumulate ? p.Input(p.Floats(N * I), offset) : p.Poisoned(N * I, offset);
            var dweight = p.Input(p.Floats(O * I), offset);
            var dbias = p.Input(p.Floats(O), offset);
            cpu.MatmulBackward(dinput.Cpu, accumulate, dweight.Cpu, withBias ? dbias.Cpu : null, doutput.Cpu, input.Cpu, weight.Cpu, N, I, O);
            cuda.MatmulBackward(dinput.Gpu, accumulate, dweight.Gpu, withBias ? dbias.Gpu : null, doutput.Gpu, input.Gpu, weight.Gpu, N, I, O);
            p.Check($"dinput (accumulate {accumulate})", dinput);
            p.Check("dweight", dweight);
            p.Check("dbias", dbias);
        }
    }

    [TestCase(8, 64, 128, 2, 0.1f)]    // the book
    [TestCase(3, 37, 64, 4, 0.0f)]
    [TestCase(3, 37, 64, 4, 0.5f)]
    [TestCase(2, 512, 768, 12, 0.1f)]  // BERT-base
    public void Attention(int B, int T, int H, int heads, float dropoutRate)
    {
        using var p = Pair();
        int[] lens = p.Ints(B, T).Select(l => l + 1).ToArray();
        lens[0] = 1;
        lens[B - 1] = T;
        var validLens = p.Input(lens);
        var qkv = p.Input(p.Floats(B * T * 3 * H));
        var output = p.Poisoned(B * T * H);
        var probs = p.Poisoned((long)B * heads * T * T);
        var dropout = Dropout.For(dropoutRate, seed: 7, step: 3, site: 1);
        cpu.AttentionForward(output.Cpu, probs.Cpu, qkv.Cpu, validLens.Cpu, B, T, H, heads, dropout);
        cuda.AttentionForward(output.Gpu, probs.Gpu, qkv.Gpu, validLens.Gpu, B, T, H, heads, dropout);
        p.Check("probs", probs);
        p.Check("output", output);

        var doutput = p.Input(p.Floats(B * T * H));
        var dqkv = p.Poisoned(B * T * 3 * H);
        cpu.AttentionBackward(dqkv.Cpu, doutput.Cpu, qkv.Cpu, probs.Cpu, validLens.Cpu, B, T, H, heads, dropout);
        cuda.AttentionBackward(dqkv.Gpu, doutput.Gpu, qkv.Gpu, probs.Gpu, validLens.Gpu, B, T, H, heads, dropout);
        p.Check("dqkv", dqkv);
    }

    [TestCase(512 * 64, 128, 0, 0.1f)]
    [TestCase(37, 768, 1, 0f)]
    [TestCase(5, 33, 0, 0.5f)]
    public void LayerNorm(int N, int C, int offset, float dropoutRate)
    {
        using var p = Pair();
        var dropout = Dropout.For(dropoutRate, seed: 4, step: 2, site: 3);
        var input = p.Input(p.Floats(N * C, 3f), offset);
        var other = p.Input(p.Floats(N * C), offset);
        var gamma = p.Input(p.Floats(C), offset);
        var beta = p.Input(p.Floats(C), offset);
        var output = p.Poisoned(N * C, offset);
        var residual = p.Poisoned(N * C, offset);
        var mean = p.Poisoned(N, offset);
        var rstd = p.Poisoned(N, offset);
        cpu.ResidualLayerNormForward(output.Cpu, residual.Cpu, mean.Cpu, rstd.Cpu, input.Cpu, other.Cpu, gamma.Cpu, beta.Cpu, N, C, 1e-5f, dropout);
        cuda.ResidualLayerNormForward(output.Gpu, residual.Gpu, mean.Gpu, rstd.Gpu, input.Gpu, other.Gpu, gamma.Gpu, beta.Gpu, N, C, 1e-5f, dropout);
        p.Check("residual", residual, 1e-6);
        p.Check("residual LN output", output);
        p.Check("mean", mean);
        p.Check("rstd", rstd);

        cpu.LayerNormForward(output.Cpu, mean.Cpu, rstd.Cpu, input.Cpu, gamma.Cpu, beta.Cpu, N, C, 1e-5f);
        cuda.LayerNormForward(output.Gpu, mean.Gpu, rstd.Gpu, input.Gpu, gamma.Gpu, beta.Gpu, N, C, 1e-5f);
        p.Check("LN output", output);

        var doutput = p.Input(p.Floats(N * C), offset);
        var dinput = p.Poisoned(N * C, offset);
        var dgamma = p.Input(p.Floats(C), offset);
        var dbeta = p.Input(p.Floats(C), offset);
        cpu.LayerNormBackward(dinput.Cpu, dgamma.Cpu, dbeta.Cpu, doutput.Cpu, input.Cpu, gamma.Cpu, mean.Cpu, rstd.Cpu, N, C);
        cuda.LayerNormBackward(dinput.Gpu, dgamma.Gpu, dbeta.Gpu, doutput.Gpu, input.Gpu, gamma.Gpu, mean.Gpu, rstd.Gpu, N, C);
        p.Check("dinput", dinput);
        p.Check("dgamma", dgamma);
        p.Check("dbeta", dbeta);
    }

    [TestCase(Activation.Relu)]
    [TestCase(Activation.Gelu)]
    [TestCase(Activation.Tanh)]
    public void ActivationOp(Activation activation)
    {
        const int n = 1_000_003;
        using var p = Pair();
        var input = p.Input(p.Floats(n, 4f), 1);
        var output = p.Poisoned(n, 1);
        cpu.ActivationForward(activation, output.Cpu, input.Cpu, n);
        cuda.ActivationForward(activation, output.Gpu, input.Gpu, n);
        p.Check("output", output, 1e-6);

        var grad = p.Input(p.Floats(n), 1);  // dinput aliases doutput: backward in place
        cpu.ActivationBackward(activation, grad.Cpu, grad.Cpu, input.Cpu, output.Cpu, n);
        cuda.ActivationBackward(activation, grad.Gpu, grad.Gpu, input.Gpu, output.Gpu, n);
        p.Check("dinput", grad, 1e-6);
    }

    [TestCase(0.1f)]
    [TestCase(0.5f)]
    [TestCase(0f)]
    public void DropoutMasksAreIdentical(float rate)
    {
        const int n = 1_000_003;
        using var p = Pair();
        var dropout = Dropout.For(rate, seed: 11, step: 5, site: 2);
        var input = p.Input(p.Floats(n));
        var output = p.Poisoned(n);
        cpu.DropoutForward(output.Cpu, input.Cpu, n, dropout);
        cuda.DropoutForward(output.Gpu, input.Gpu, n, dropout);
        p.CheckExact("forward", output);

        var grad = p.Input(p.Floats(n));  // in place
        cpu.DropoutBackward(grad.Cpu, grad.Cpu, n, dropout);
        cuda.DropoutBackward(grad.Gpu, grad.Gpu, n, dropout);
        p.CheckExact("backward", grad);
    }

    [TestCase(512, 64, 10, 128)]
    [TestCase(3, 37, 40, 768)]  // more slots than rows: positions repeat
    public void Gather(int B, int T, int P, int C)
    {
        using var p = Pair();
        var positions = p.Input(p.Ints(B * P, T));
        var input = p.Input(p.Floats(B * T * C));
        var output = p.Poisoned(B * P * C);
        cpu.GatherForward(output.Cpu, input.Cpu, positions.Cpu, B, T, P, C);
        cuda.GatherForward(output.Gpu, input.Gpu, positions.Gpu, B, T, P, C);
        p.CheckExact("output", output);

        var doutput = p.Input(p.Floats(B * P * C));
        var dinput = p.Input(p.Floats(B * T * C));
        cpu.GatherBackward(dinput.Cpu, doutput.Cpu, positions.Cpu, B, T, P, C);
        cuda.GatherBackward(dinput.Gpu, doutput.Gpu, positions.Gpu, B, T, P, C);
        p.Check("dinput", dinput, 1e-6);
    }

    [TestCase(1024, 20256, true)]      // the book's MLM vocabulary
    [TestCase(7, 33, false)]
    [TestCase(512, 2, true)]            // NSP
    public void SoftmaxCrossEntropy(int N, int C, bool weighted)
    {
        using var p = Pair();
        var logits = p.Input(p.Floats((long)N * C, 8f));
        var labels = p.Input(p.Ints(N, C));
        var weights = p.Input(p.Ints(N, 2).Select(w => (float)w).ToArray());
        var losses = p.Poisoned(N);
        // dlogits overwrites logits, the way the trainer calls it.
        cpu.SoftmaxCrossEntropy(losses.Cpu, logits.Cpu, logits.Cpu, labels.Cpu, weighted ? weights.Cpu : null, 1f / N, N, C);
        cuda.SoftmaxCrossEntropy(losses.Gpu, logits.Gpu, logits.Gpu, labels.Gpu, weighted ? weights.Gpu : null, 1f / N, N, C);
        p.Check("losses", losses, 1e-5);
        p.Check("dlogits", logits, 1e-5);
    }

    [TestCase(1_000_003)]
    [TestCase(1)]
    public void Reductions(int n)
    {
        using var p = Pair();
        var values = p.Input(p.Floats(n), 1);
        var weights = p.Input(p.Floats(n), 1);
        var result = p.Poisoned(1);
        cpu.WeightedSum(result.Cpu, values.Cpu, weights.Cpu, n);
        cuda.WeightedSum(result.Gpu, values.Gpu, weights.Gpu, n);
        p.Check("weighted sum", result, 1e-5);
        cpu.WeightedSum(result.Cpu, values.Cpu, null, n);
        cuda.WeightedSum(result.Gpu, values.Gpu, null, n);
        p.Check("sum", result, 1e-5);
        cpu.SumOfSquares(result.Cpu, values.Cpu, n);
        cuda.SumOfSquares(result.Gpu, values.Gpu, n);
        p.Check("sum of squares", result, 1e-6);
    }

    [TestCase(1, 0f, 1f)]
    [TestCase(5, 0.01f, 1f)]
    [TestCase(3, 0.01f, 0.3f)]
    public void Adam(int t, float weightDecay, float gradientScale)
    {
        const int n = 100_003;
        using var p = Pair();
        var parameters = p.Input(p.Floats(n));
        var gradients = p.Input(p.Floats(n));
        var m = p.Input(p.Floats(n, 0.1f));
        var v = p.Input(p.Floats(n, 0.1f).Select(Math.Abs).ToArray());
        var settings = new AdamSettings(1e-3f, WeightDecay: weightDecay, GradientScale: gradientScale);
        cpu.AdamStep(parameters.Cpu, gradients.Cpu, m.Cpu, v.Cpu, n, settings, t);
        cuda.AdamStep(parameters.Gpu, gradients.Gpu, m.Gpu, v.Gpu, n, settings, t);
        p.Check("parameters", parameters, 1e-6);
        p.Check("m", m, 1e-6);
        p.Check("v", v, 1e-6);
    }
}
