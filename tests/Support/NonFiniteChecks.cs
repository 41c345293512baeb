using BertNative.Contract;

namespace BertNative.Tests.Support;

/// <summary>
/// Values the op contract must not spread, checked the same way on every backend: a dropped element is +0
/// whatever it held (not x * 0, which is NaN for an infinity and -0 for a negative value), and a NaN in a
/// padded token's row of qkv or doutput never reaches a valid token's attention output or gradient.
/// </summary>
public static class NonFiniteChecks
{
    public static void DroppedElementsAreZeroWhateverTheirValue(IBackend backend)
    {
        const int n = 4096;
        var dropout = Dropout.For(0.5f, seed: 3, step: 1, site: 4);
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = (i % 4) switch { 0 => float.PositiveInfinity, 1 => float.NegativeInfinity, 2 => -1.5f, _ => -0.0f };
        var input = backend.AllocateFloats(n);
        var output = backend.AllocateFloats(n);
        try
        {
            backend.Upload(input, values);
            backend.DropoutForward(output, input, n, dropout);
            var actual = Download(backend, output);
            int dropped = 0;
            for (int i = 0; i < n; i++)
            {
                bool keep = DropoutRng.Keep(dropout, i);
                float expected = keep ? values[i] * dropout.Scale : 0f;
                if (!keep) dropped++;
                Assert.That(BitConverter.SingleToInt32Bits(actual[i]), Is.EqualTo(BitConverter.SingleToInt32Bits(expected)),
                    $"element {i} ({values[i]}, {(keep ? "kept" : "dropped")}): got {actual[i]}");
            }
            Assert.That(dropped, Is.InRange(n / 4, 3 * n / 4), "about half the elements dropped");
        }
        finally
        {
            input.Buffer.Dispose();
            output.Buffer.Dispose();
        }
    }

    /// <summary>Attention forward and backward with NaN in every padded row of qkv and doutput give the valid rows
    /// exactly what a run with zeros there gives, with dropout on.</summary>
    public static void PaddedRowsCannotPoisonAttention(IBackend backend)
    {
        const int B = 2, T = 7, H = 8, heads = 2;
        int[] validLens = [3, 7];
        var random = new Random(5);
        var qkv = Floats(random, B * T * 3 * H);
        var doutput = Floats(random, B * T * H);
        var dropout = Dropout.For(0.2f, seed: 9, step: 2, site: 1);

        var clean = Run(backend, qkv, doutput, validLens, B, T, H, heads, dropout);
        var poisonedQkv = (float[])qkv.Clone();
        var poisonedDoutput = (float[])doutput.Clone();
        for (int b = 0; b < B; b++)
            for (int t = validLens[b]; t < T; t++)
            {
                Array.Fill(poisonedQkv, float.NaN, (b * T + t) * 3 * H, 3 * H);
                Array.Fill(poisonedDoutput, float.NaN, (b * T + t) * H, H);
            }
        var poisoned = Run(backend, poisonedQkv, poisonedDoutput, validLens, B, T, H, heads, dropout);

        for (int b = 0; b < B; b++)
            for (int t = 0; t < validLens[b]; t++)
            {
                for (int c = 0; c < H; c++)
                {
                    float value = poisoned.Output[(b * T + t) * H + c];
                    Assert.That(value, Is.EqualTo(clean.Output[(b * T + t) * H + c]), $"output of valid token ({b},{t}), column {c}");
                }
                for (int c = 0; c < 3 * H; c++)
                {
                    float value = poisoned.Dqkv[(b * T + t) * 3 * H + c];
                    Assert.That(value, Is.EqualTo(clean.Dqkv[(b * T + t) * 3 * H + c]), $"dqkv of valid token ({b},{t}), column {c}");
                }
            }
        Assert.That(clean.Output.Take(validLens[0] * H).All(float.IsFinite), "the clean run is finite");
    }

    static (float[] Output, float[] Dqkv) Run(IBackend backend, float[] qkvValues, float[] doutputValues, int[] validLensValues,
        int B, int T, int H, int heads, Dropout dropout)
    {
        var qkv = backend.AllocateFloats(qkvValues.Length);
        var doutput = backend.AllocateFloats(doutputValues.Length);
        var validLens = backend.AllocateInts(B);
        var output = backend.AllocateFloats((long)B * T * H);
        var probs = backend.AllocateFloats((long)B * heads * T * T);
        var dqkv = backend.AllocateFloats(qkvValues.Length);
        try
        {
            backend.Upload(qkv, qkvValues);
            backend.Upload(doutput, doutputValues);
            backend.Upload(validLens, validLensValues);
            backend.AttentionForward(output, probs, qkv, validLens, null, B, T, H, heads, dropout);
            backend.AttentionBackward(dqkv, doutput, qkv, probs, validLens, B, T, H, heads, dropout);
            return (Download(backend, output), Download(backend, dqkv));
        }
        finally
        {
            foreach (var buffer in new DeviceBuffer[] { qkv.Buffer, doutput.Buffer, validLens.Buffer, output.Buffer, probs.Buffer, dqkv.Buffer })
                buffer.Dispose();
        }
    }

    static float[] Floats(Random random, int n) => [.. Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1))];

    static float[] Download(IBackend backend, FloatView view)
    {
        var values = new float[view.Count];
        backend.Synchronize();
        backend.Download(view, values);
        return values;
    }
}
