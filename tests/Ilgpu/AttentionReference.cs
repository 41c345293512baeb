using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

/// <summary>The attention core of IBertOps in float64, written as the loops of its definition.</summary>
internal sealed class AttentionReference(float[] qkv, int[] validLens, int B, int T, int H, int heads, Dropout dropout)
{
    private readonly int d = H / heads;
    private double Scale => 1 / Math.Sqrt(d);

    private double Q(int b, int t, int h, int c) => qkv[(b * T + t) * 3 * H + h * d + c];
    private double K(int b, int t, int h, int c) => qkv[(b * T + t) * 3 * H + H + h * d + c];
    private double V(int b, int t, int h, int c) => qkv[(b * T + t) * 3 * H + 2 * H + h * d + c];
    private int ProbIndex(int b, int h, int i, int j) => ((b * heads + h) * T + i) * T + j;
    private double Mask(int index) => dropout.IsActive ? (DropoutRng.Keep(dropout, index) ? dropout.Scale : 0) : 1;

    public double[] Probs()
    {
        var probs = new double[B * heads * T * T];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < T; i++)
                {
                    var scores = new double[T];
                    for (int j = 0; j < T; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < d; c++) s += Q(b, i, h, c) * K(b, j, h, c);
                        scores[j] = j < validLens[b] ? s * Scale : -1e6;
                    }
                    double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j < T; j++) probs[ProbIndex(b, h, i, j)] = Math.Exp(scores[j] - max) / sum;
                }
        return probs;
    }

    public double[] Output(double[] probs)
    {
        var output = new double[B * T * H];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < T; i++)
                    for (int c = 0; c < d; c++)
                    {
                        double s = 0;
                        for (int j = 0; j < T; j++) s += probs[ProbIndex(b, h, i, j)] * Mask(ProbIndex(b, h, i, j)) * V(b, j, h, c);
                        output[(b * T + i) * H + h * d + c] = s;
                    }
        return output;
    }

    /// <summary>dqkv from doutput, by the chain rule through dropout, softmax and the two products.</summary>
    public double[] Backward(double[] probs, float[] doutput)
    {
        var dqkv = new double[B * T * 3 * H];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < T; i++)
                {
                    var dscores = new double[T];
                    double dot = 0;
                    for (int j = 0; j < T; j++)
                    {
                        int p = ProbIndex(b, h, i, j);
                        double dprob = 0;
                        for (int c = 0; c < d; c++)
                        {
                            double dout = doutput[(b * T + i) * H + h * d + c];
                            dprob += dout * V(b, j, h, c);
                            dqkv[(b * T + j) * 3 * H + 2 * H + h * d + c] += probs[p] * Mask(p) * dout;
                        }
                        dscores[j] = dprob * Mask(p);
                        dot += dscores[j] * probs[p];
                    }
                    for (int j = 0; j < T; j++)
                    {
                        double ds = probs[ProbIndex(b, h, i, j)] * (dscores[j] - dot) * Scale;
                        for (int c = 0; c < d; c++)
                        {
                            dqkv[(b * T + i) * 3 * H + h * d + c] += ds * K(b, j, h, c);
                            dqkv[(b * T + j) * 3 * H + H + h * d + c] += ds * Q(b, i, h, c);
                        }
                    }
                }
        return dqkv;
    }
}
