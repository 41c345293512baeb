using BertNative.Contract;
using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

/// <summary>The CPU accelerator's direct GEMM and the GPU's tiled one sum k in the same order: the same bits, through
/// a linear layer's forward and backward and attention with padded, key-masked and NaN-holding rows.</summary>
public sealed class GemmStrategyTests
{
    [Test]
    public void DirectAndTiledGiveTheSameBits()
    {
        using var direct = IlgpuBackend.Create(IlgpuDeviceKind.Cpu, gemm: IlgpuGemm.Direct);
        using var tiled = IlgpuBackend.Create(IlgpuDeviceKind.Cpu, gemm: IlgpuGemm.Tiled);
        Assert.That(direct.DeviceDescription, Does.EndWith("direct GEMM"));
        Assert.That(tiled.DeviceDescription, Does.EndWith("tiled GEMM"));
        var a = Run(direct);
        var b = Run(tiled);
        Assert.That(a.Any(float.IsNaN), Is.False, "padded rows' NaN reached a result");
        Assert.That(a.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(b.Select(BitConverter.SingleToInt32Bits)));
    }

    /// <summary>Every result of a fixed-seed linear layer (forward, dinput, dweight, dbias) and attention forward, concatenated.</summary>
    private static float[] Run(IBackend backend)
    {
        var random = new Random(7);
        float[] Values(long n) => [.. Enumerable.Range(0, (int)n).Select(_ => (float)(random.NextDouble() * 2 - 1))];
        FloatView Upload(float[] values)
        {
            var view = backend.AllocateFloats(values.Length);
            backend.Upload(view, values);
            return view;
        }
        float[] Download(FloatView view)
        {
            var values = new float[view.Count];
            backend.Download(view, values);
            return values;
        }

        const int N = 19, I = 37, O = 23, B = 2, T = 7, H = 12, Heads = 3;
        var input = Upload(Values(N * I));
        var weight = Upload(Values(O * I));
        var bias = Upload(Values(O));
        var output = backend.AllocateFloats(N * O);
        backend.MatmulForward(output, input, weight, bias, N, I, O);
        var dinput = backend.AllocateFloats(N * I);
        var dweight = Upload(Values(O * I));
        var dbias = Upload(Values(O));
        backend.MatmulBackward(dinput, false, dweight, dbias, Upload(Values(N * O)), input, weight, N, I, O);

        var qkvValues = Values(B * T * 3 * H);
        for (int t = 5; t < T; t++) qkvValues.AsSpan((T + t) * 3 * H, 3 * H).Fill(float.NaN); // batch 1's padded tokens
        var qkv = Upload(qkvValues);
        var validLens = backend.AllocateInts(B);
        backend.Upload(validLens, [T, 5]);
        var keyMask = backend.AllocateInts(B * T);
        backend.Upload(keyMask, [1, 0, 1, 1, 0, 1, 1, /**/ 1, 1, 1, 0, 1, 0, 0]);
        var attention = backend.AllocateFloats(B * T * H);
        var probs = backend.AllocateFloats(B * Heads * T * T);
        backend.AttentionForward(attention, probs, qkv, validLens, keyMask, B, T, H, Heads, Dropout.None);
        backend.Synchronize();
        return [.. Download(output), .. Download(dinput), .. Download(dweight), .. Download(dbias), .. Download(attention), .. Download(probs)];
    }
}
