using BertNative.Contract;

namespace BertNative.Tests.Reference;

/// <summary>
/// Every op of <see cref="IBertOps"/> in float64 with plain loops, written to read like the math. Same argument
/// order and conventions as the contract (parameter gradients +=, activation gradients =), over double[] arrays.
/// The backends are tested against this; this is tested against finite differences of itself.
/// </summary>
public static class ReferenceOps
{
    public static void EmbeddingForward(double[] output, int[] tokens, int[] segments,
        double[] tokenTable, double[] segmentTable, double[] positionTable, int B, int T, int H)
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
            {
                int row = b * T + t;
                for (int c = 0; c < H; c++)
                    output[row * H + c] = tokenTable[tokens[row] * H + c] + segmentTable[segments[row] * H + c] + positionTable[t * H + c];
            }
    }

    public static void EmbeddingBackward(double[] dTokenTable, double[] dSegmentTable, double[]? dPositionTable,
        double[] doutput, int[] tokens, int[] segments, int B, int T, int H)
    {
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++)
            {
                int row = b * T + t;
                for (int c = 0; c < H; c++)
                {
                    double g = doutput[row * H + c];
                    dTokenTable[tokens[row] * H + c] += g;
                    dSegmentTable[segments[row] * H + c] += g;
                    if (dPositionTable != null) dPositionTable[t * H + c] += g;
                }
            }
    }

    public static void MatmulForward(double[] output, double[] input, double[] weight, double[]? bias, int N, int I, int O)
    {
        Parallel.For(0, N, n =>
        {
            for (int o = 0; o < O; o++)
            {
                double sum = bias?[o] ?? 0;
                for (int i = 0; i < I; i++) sum += input[n * I + i] * weight[o * I + i];
                output[n * O + o] = sum;
            }
        });
    }

    public static void MatmulBackward(double[]? dinput, bool accumulateInput, double[] dweight, double[]? dbias,
        double[] doutput, double[] input, double[] weight, int N, int I, int O)
    {
        if (dinput != null)
            Parallel.For(0, N, n =>
            {
                for (int i = 0; i < I; i++)
                {
                    double sum = 0;
                    for (int o = 0; o < O; o++) sum += doutput[n * O + o] * weight[o * I + i];
                    dinput[n * I + i] = accumulateInput ? dinput[n * I + i] + sum : sum;
                }
            });
        // Each dweight[o, i] sums over n in order, as a plain loop would, but row by row of input (cache-friendly).
        Parallel.For(0, O, o =>
        {
            var sums = new double[I];
            for (int n = 0; n < N; n++)
            {
                double g = doutput[n * O + o];
                for (int i = 0; i < I; i++) sums[i] += g * input[n * I + i];
            }
            for (int i = 0; i < I; i++) dweight[o * I + i] += sums[i];
        });
        if (dbias != null)
            for (int o = 0; o < O; o++)
                for (int n = 0; n < N; n++) dbias[o] += doutput[n * O + o];
    }

    /// <summary>The kept-and-scaled factor of dropout element <paramref name="index"/>: 0 or 1/(1-p) (1 when inactive).</summary>
    public static double DropoutFactor(Dropout dropout, long index)
        => !dropout.IsActive ? 1.0 : DropoutRng.Keep(dropout, index) ? 1.0 / (1.0 - dropout.P) : 0.0;

    /// <param name="keyMask">[B,T] or null: keys with 0 there score -1e6 like keys past the valid length.</param>
    public static void AttentionForward(double[] output, double[] probs, double[] qkv, int[] validLens,
        int B, int T, int H, int heads, Dropout dropout, int[]? keyMask = null)
    {
        int d = H / heads;
        double scale = 1 / Math.Sqrt(d);
        // (batch, head) pairs write disjoint rows of probs and columns of output: one task each.
        Parallel.For(0, B * heads, bh =>
        {
            int b = bh / heads, h = bh % heads;
            for (int i = 0; i < T; i++)
            {
                long rowStart = ((long)(b * heads + h) * T + i) * T;
                var scores = new double[T];
                for (int j = 0; j < T; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += Q(qkv, b, i, h, c, T, H, d) * K(qkv, b, j, h, c, T, H, d);
                    bool masked = j >= validLens[b] || keyMask?[b * T + j] == 0;
                    scores[j] = masked ? -1e6 : dot * scale;
                }
                double max = scores.Max(), sum = 0;
                bool paddedQuery = i >= validLens[b];
                for (int j = 0; j < T; j++) sum += Math.Exp(scores[j] - max);
                for (int j = 0; j < T; j++) probs[rowStart + j] = paddedQuery ? 0 : Math.Exp(scores[j] - max) / sum;
                var factors = new double[T]; // the dropout mask of this row, drawn once rather than per column
                for (int j = 0; j < T; j++) factors[j] = DropoutFactor(dropout, rowStart + j);
                for (int c = 0; c < d; c++)
                {
                    double acc = 0;
                    for (int j = 0; j < T; j++) acc += probs[rowStart + j] * factors[j] * V(qkv, b, j, h, c, T, H, d);
                    output[(b * T + i) * H + h * d + c] = acc;
                }
            }
        });
    }

    public static void AttentionBackward(double[] dqkv, double[] doutput, double[] qkv, double[] probs, int[] validLens,
        int B, int T, int H, int heads, Dropout dropout)
    {
        int d = H / heads;
        double scale = 1 / Math.Sqrt(d);
        Array.Clear(dqkv);
        // A (batch, head) pair adds only into its batch's rows and its head's columns of dqkv: one task each.
        Parallel.For(0, B * heads, bh =>
        {
            int b = bh / heads, h = bh % heads;
            for (int i = 0; i < T; i++)
            {
                long rowStart = ((long)(b * heads + h) * T + i) * T;
                double DOut(int c) => doutput[(b * T + i) * H + h * d + c];
                // dP'[j] = dO_i . V_j; dV_j += P'[i,j] dO_i
                var dProbs = new double[T];
                for (int j = 0; j < T; j++)
                {
                    double factor = DropoutFactor(dropout, rowStart + j);
                    double dot = 0;
                    for (int c = 0; c < d; c++)
                    {
                        dot += DOut(c) * V(qkv, b, j, h, c, T, H, d);
                        dqkv[(b * T + j) * 3 * H + 2 * H + h * d + c] += probs[rowStart + j] * factor * DOut(c);
                    }
                    dProbs[j] = dot * factor;
                }
                // softmax backward: dS_j = P_j (dP_j - sum_k P_k dP_k); masked scores are constants (no gradient)
                double weighted = 0;
                for (int j = 0; j < T; j++) weighted += probs[rowStart + j] * dProbs[j];
                for (int j = 0; j < validLens[b]; j++)
                {
                    double dScore = probs[rowStart + j] * (dProbs[j] - weighted) * scale;
                    for (int c = 0; c < d; c++)
                    {
                        dqkv[(b * T + i) * 3 * H + h * d + c] += dScore * K(qkv, b, j, h, c, T, H, d);
                        dqkv[(b * T + j) * 3 * H + H + h * d + c] += dScore * Q(qkv, b, i, h, c, T, H, d);
                    }
                }
            }
        });
    }

    private static double Q(double[] qkv, int b, int t, int h, int c, int T, int H, int d) => qkv[(b * T + t) * 3 * H + h * d + c];
    private static double K(double[] qkv, int b, int t, int h, int c, int T, int H, int d) => qkv[(b * T + t) * 3 * H + H + h * d + c];
    private static double V(double[] qkv, int b, int t, int h, int c, int T, int H, int d) => qkv[(b * T + t) * 3 * H + 2 * H + h * d + c];

    public static void LayerNormForward(double[] output, double[] mean, double[] rstd, double[] input,
        double[] gamma, double[] beta, int N, int C, double epsilon)
    {
        for (int n = 0; n < N; n++)
        {
            double mu = 0;
            for (int c = 0; c < C; c++) mu += input[n * C + c];
            mu /= C;
            double variance = 0;
            for (int c = 0; c < C; c++) variance += (input[n * C + c] - mu) * (input[n * C + c] - mu);
            variance /= C;
            double r = 1 / Math.Sqrt(variance + epsilon);
            for (int c = 0; c < C; c++) output[n * C + c] = (input[n * C + c] - mu) * r * gamma[c] + beta[c];
            mean[n] = mu;
            rstd[n] = r;
        }
    }

    /// <summary>residual = a + dropout(b); output = LN(residual).</summary>
    public static void ResidualLayerNormForward(double[] output, double[] residual, double[] mean, double[] rstd,
        double[] a, double[] b, double[] gamma, double[] beta, int N, int C, double epsilon, Dropout dropout)
    {
        for (int i = 0; i < N * C; i++) residual[i] = a[i] + b[i] * DropoutFactor(dropout, i);
        LayerNormForward(output, mean, rstd, residual, gamma, beta, N, C, epsilon);
    }

    public static void LayerNormBackward(double[] dinput, double[] dgamma, double[] dbeta, double[] doutput,
        double[] input, double[] gamma, double[] mean, double[] rstd, int N, int C)
    {
        for (int n = 0; n < N; n++)
        {
            double meanDnorm = 0, meanDnormXhat = 0;
            for (int c = 0; c < C; c++)
            {
                double xhat = (input[n * C + c] - mean[n]) * rstd[n];
                double dnorm = doutput[n * C + c] * gamma[c];
                meanDnorm += dnorm / C;
                meanDnormXhat += dnorm * xhat / C;
                dgamma[c] += doutput[n * C + c] * xhat;
                dbeta[c] += doutput[n * C + c];
            }
            for (int c = 0; c < C; c++)
            {
                double xhat = (input[n * C + c] - mean[n]) * rstd[n];
                double dnorm = doutput[n * C + c] * gamma[c];
                dinput[n * C + c] = (dnorm - meanDnorm - xhat * meanDnormXhat) * rstd[n];
            }
        }
    }

    public static double Activate(Activation activation, double x) => activation switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.Gelu => 0.5 * x * (1 + DoubleErf.Erf(x / Math.Sqrt(2))),
        Activation.Tanh => Math.Tanh(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static void ActivationForward(Activation activation, double[] output, double[] input, long n)
    {
        for (long i = 0; i < n; i++) output[i] = Activate(activation, input[i]);
    }

    public static void ActivationBackward(Activation activation, double[] dinput, double[] doutput, double[] input, double[] output, long n)
    {
        for (long i = 0; i < n; i++)
        {
            double x = input[i];
            double derivative = activation switch
            {
                Activation.Relu => x > 0 ? 1 : 0,
                Activation.Gelu => 0.5 * (1 + DoubleErf.Erf(x / Math.Sqrt(2))) + x * Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI),
                Activation.Tanh => 1 - output[i] * output[i],
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
            dinput[i] = doutput[i] * derivative;
        }
    }

    public static void DropoutForward(double[] output, double[] input, long n, Dropout dropout)
    {
        for (long i = 0; i < n; i++) output[i] = input[i] * DropoutFactor(dropout, i);
    }

    public static void DropoutBackward(double[] dinput, double[] doutput, long n, Dropout dropout) => DropoutForward(dinput, doutput, n, dropout);

    public static void GatherForward(double[] output, double[] input, int[] positions, int B, int T, int P, int C)
    {
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++)
                for (int c = 0; c < C; c++)
                    output[(b * P + p) * C + c] = input[(b * T + positions[b * P + p]) * C + c];
    }

    public static void GatherBackward(double[] dinput, double[] doutput, int[] positions, int B, int T, int P, int C)
    {
        for (int b = 0; b < B; b++)
            for (int p = 0; p < P; p++)
                for (int c = 0; c < C; c++)
                    dinput[(b * T + positions[b * P + p]) * C + c] += doutput[(b * P + p) * C + c];
    }

    public static void SoftmaxCrossEntropy(double[] losses, double[]? dlogits, double[] logits, int[] labels,
        double[]? weights, double gradScale, int N, int C)
    {
        for (int n = 0; n < N; n++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < C; c++) max = Math.Max(max, logits[n * C + c]);
            double sum = 0;
            for (int c = 0; c < C; c++) sum += Math.Exp(logits[n * C + c] - max);
            double logSumExp = max + Math.Log(sum);
            losses[n] = logSumExp - logits[n * C + labels[n]];
            if (dlogits == null) continue;
            double factor = (weights?[n] ?? 1) * gradScale;
            for (int c = 0; c < C; c++)
            {
                double softmax = Math.Exp(logits[n * C + c] - logSumExp);
                dlogits[n * C + c] = (softmax - (c == labels[n] ? 1 : 0)) * factor;
            }
        }
    }

    public static void WeightedSum(double[] result, double[] values, double[]? weights, long n)
    {
        double sum = 0;
        for (long i = 0; i < n; i++) sum += values[i] * (weights?[i] ?? 1);
        result[0] = sum;
    }

    public static void SumOfSquares(double[] result, double[] values, long n)
    {
        double sum = 0;
        for (long i = 0; i < n; i++) sum += values[i] * values[i];
        result[0] = sum;
    }

    public static void AdamStep(double[] parameters, double[] gradients, double[] m, double[] v, long n, AdamSettings settings, int t)
    {
        double b1 = settings.Beta1, b2 = settings.Beta2;
        for (long i = 0; i < n; i++)
        {
            double g = gradients[i] * settings.GradientScale;
            m[i] = b1 * m[i] + (1 - b1) * g;
            v[i] = b2 * v[i] + (1 - b2) * g * g;
            double mHat = m[i] / (1 - Math.Pow(b1, t));
            double vHat = v[i] / (1 - Math.Pow(b2, t));
            parameters[i] -= settings.LearningRate * (settings.WeightDecay * parameters[i] + mHat / (Math.Sqrt(vHat) + settings.Epsilon));
        }
    }
}
