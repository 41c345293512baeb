using BertNative.Contract;
using static BertNative.Tests.Reference.GradientCheck;

namespace BertNative.Tests.Reference;

/// <summary>Each float64 backward of <see cref="ReferenceOps"/> against finite differences of its float64 forward.
/// The loss is always sum(upstream * output), so the backward's input gradients are its gradient.</summary>
public class ReferenceGradientTests
{
    private const int B = 2, T = 7, H = 12, Heads = 3;

    [TestCase(true)]
    [TestCase(false)]
    public void Embedding(bool trainPositions)
    {
        var random = new Random(1);
        int V = 5;
        int[] tokens = [.. Enumerable.Range(0, B * T).Select(i => i % 3)], segments = [.. Enumerable.Range(0, B * T).Select(i => i % T > 3 ? 1 : 0)];
        double[] tok = Random(random, V * H), seg = Random(random, 2 * H), pos = Random(random, (T + 2) * H), up = Random(random, B * T * H);
        double Loss()
        {
            var y = new double[B * T * H];
            ReferenceOps.EmbeddingForward(y, tokens, segments, tok, seg, pos, B, T, H);
            return Dot(y, up);
        }
        double[] dTok = new double[tok.Length], dSeg = new double[seg.Length], dPos = new double[pos.Length];
        ReferenceOps.EmbeddingBackward(dTok, dSeg, trainPositions ? dPos : null, up, tokens, segments, B, T, H);
        Directional("token table", tok, dTok, Loss, random);
        Directional("segment table", seg, dSeg, Loss, random);
        if (trainPositions) Directional("position table", pos, dPos, Loss, random);
        else Assert.That(dPos, Is.All.EqualTo(0.0));
    }

    [TestCase(true, false)]
    [TestCase(false, true)]
    public void Matmul(bool withBias, bool accumulateInput)
    {
        var random = new Random(2);
        int N = 5, I = 7, O = 4;
        double[] x = Random(random, N * I), w = Random(random, O * I), bias = Random(random, O), up = Random(random, N * O);
        double Loss()
        {
            var y = new double[N * O];
            ReferenceOps.MatmulForward(y, x, w, withBias ? bias : null, N, I, O);
            return Dot(y, up);
        }
        var prior = Random(random, N * I);
        double[] dx = (double[])prior.Clone(), dw = new double[w.Length], db = new double[O];
        ReferenceOps.MatmulBackward(dx, accumulateInput, dw, withBias ? db : null, up, x, w, N, I, O);
        if (accumulateInput) for (int i = 0; i < dx.Length; i++) dx[i] -= prior[i];
        Directional("input", x, dx, Loss, random);
        Directional("weight", w, dw, Loss, random);
        if (withBias) Directional("bias", bias, db, Loss, random);
    }

    [TestCase(0f, false)]
    [TestCase(0.3f, false)]
    [TestCase(0f, true)] // a key mask (left padding in example 0): masked keys get no gradient, the rest one that checks
    [TestCase(0.3f, true)]
    public void Attention(float p, bool keyMasked)
    {
        var random = new Random(3);
        var dropout = p == 0 ? Dropout.None : Dropout.For(p, 7, 1, 2);
        int[] lens = [T, 1];
        int[]? keys = keyMasked ? [.. Enumerable.Range(0, B * T).Select(i => i < T / 2 ? 0 : 1)] : null;
        double[] qkv = Random(random, B * T * 3 * H, 2), up = Random(random, B * T * H);
        double Loss()
        {
            double[] y = new double[B * T * H], probs = new double[B * Heads * T * T];
            ReferenceOps.AttentionForward(y, probs, qkv, lens, B, T, H, Heads, dropout, keys);
            return Dot(y, up);
        }
        double[] output = new double[B * T * H], saved = new double[B * Heads * T * T], dqkv = new double[qkv.Length];
        ReferenceOps.AttentionForward(output, saved, qkv, lens, B, T, H, Heads, dropout, keys);
        ReferenceOps.AttentionBackward(dqkv, up, qkv, saved, lens, B, T, H, Heads, dropout);
        Directional("qkv", qkv, dqkv, Loss, random);
        if (keyMasked)
            for (int t = 0; t < T / 2; t++)
                Assert.That(dqkv.AsSpan((t * 3 + 1) * H, H).ToArray(), Is.All.EqualTo(0.0), $"masked key {t}'s K gets no gradient");
    }

    [TestCase(false, 0f)]
    [TestCase(true, 0f)]
    [TestCase(true, 0.3f)] // residual = a + dropout(b): b's gradient is DropoutBackward of the layernorm's
    public void LayerNorm(bool residual, float dropoutRate)
    {
        var random = new Random(4);
        var dropout = Dropout.For(dropoutRate, seed: 6, step: 1, site: 2);
        int N = 4, C = 9;
        double[] a = Random(random, N * C, 3), b = Random(random, N * C), gamma = Random(random, C), beta = Random(random, C), up = Random(random, N * C);
        double[] mean = new double[N], rstd = new double[N], input = new double[N * C];
        double Loss()
        {
            var y = new double[N * C];
            if (residual) ReferenceOps.ResidualLayerNormForward(y, input, mean, rstd, a, b, gamma, beta, N, C, 1e-5, dropout);
            else ReferenceOps.LayerNormForward(y, mean, rstd, a, gamma, beta, N, C, 1e-5);
            return Dot(y, up);
        }
        Loss();
        double[] dx = new double[N * C], dgamma = new double[C], dbeta = new double[C];
        ReferenceOps.LayerNormBackward(dx, dgamma, dbeta, up, residual ? input : a, gamma, mean, rstd, N, C);
        Directional("input a", a, dx, Loss, random);
        if (residual)
        {
            var db = new double[N * C];
            ReferenceOps.DropoutBackward(db, dx, N * C, dropout);
            Directional("input b", b, db, Loss, random);
        }
        Directional("gamma", gamma, dgamma, Loss, random);
        Directional("beta", beta, dbeta, Loss, random);
    }

    [TestCase(Activation.Relu)]
    [TestCase(Activation.Gelu)]
    [TestCase(Activation.Tanh)]
    public void Activations(Activation activation)
    {
        var random = new Random(5);
        int n = 50;
        // ReLU is checked away from its kink: |x| >= 0.1 while the step is 1e-6.
        double[] x = [.. Random(random, n, 3).Select(v => Math.Abs(v) < 0.1 ? v + Math.CopySign(0.2, v) : v)], up = Random(random, n);
        double Loss()
        {
            var y = new double[n];
            ReferenceOps.ActivationForward(activation, y, x, n);
            return Dot(y, up);
        }
        double[] y = new double[n], dx = new double[n];
        ReferenceOps.ActivationForward(activation, y, x, n);
        ReferenceOps.ActivationBackward(activation, dx, up, x, y, n);
        Directional(activation.ToString(), x, dx, Loss, random);
    }

    [Test]
    public void DropoutIsLinearWithItsMask()
    {
        var random = new Random(6);
        int n = 64;
        var dropout = Dropout.For(0.25f, 3, 4, 5);
        double[] x = Random(random, n), up = Random(random, n), dx = new double[n];
        double Loss()
        {
            var y = new double[n];
            ReferenceOps.DropoutForward(y, x, n, dropout);
            return Dot(y, up);
        }
        ReferenceOps.DropoutBackward(dx, up, n, dropout);
        Directional("dropout", x, dx, Loss, random);
    }

    [Test]
    public void GatherWithRepeatedPositions()
    {
        var random = new Random(7);
        int P = 4, C = 5;
        int[] positions = [2, 2, 0, 6, 0, 0, 0, 3];
        double[] x = Random(random, B * T * C), up = Random(random, B * P * C), dx = new double[x.Length];
        double Loss()
        {
            var y = new double[B * P * C];
            ReferenceOps.GatherForward(y, x, positions, B, T, P, C);
            return Dot(y, up);
        }
        ReferenceOps.GatherBackward(dx, up, positions, B, T, P, C);
        Directional("gather", x, dx, Loss, random);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void CrossEntropy(bool weighted)
    {
        var random = new Random(8);
        int N = 6, C = 11;
        const double scale = 0.37;
        int[] labels = [0, 3, 10, 3, 5, 1];
        double[] logits = Random(random, N * C, 4), weights = [1, 0, 0.5, 1, 2, 1];
        double Loss()
        {
            var losses = new double[N];
            ReferenceOps.SoftmaxCrossEntropy(losses, null, logits, labels, null, 1, N, C);
            double total = 0;
            for (int n = 0; n < N; n++) total += losses[n] * (weighted ? weights[n] : 1) * scale;
            return total;
        }
        double[] dlogits = new double[N * C], unused = new double[N];
        ReferenceOps.SoftmaxCrossEntropy(unused, dlogits, logits, labels, weighted ? weights : null, scale, N, C);
        Directional("logits", logits, dlogits, Loss, random);
    }
}
