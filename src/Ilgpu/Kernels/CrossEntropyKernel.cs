using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Fused softmax + cross-entropy, one group per row of logits [N,C]. The gradient may overwrite the logits:
/// every thread reads the label's logit before the reductions' barriers and then rewrites only its own columns.</summary>
internal sealed class CrossEntropyKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
        ArrayView<float>, CrossEntropyArgs> _kernel;
    private readonly int _block;

    public CrossEntropyKernel(Accelerator accelerator)
    {
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
            ArrayView<float>, CrossEntropyArgs>(Kernel);
        _block = LaunchShape.BlockSize(accelerator);
    }

    internal readonly record struct CrossEntropyArgs(int C, float GradScale, int HasGradient, int HasWeights);

    private static void Kernel(ArrayView<float> losses, ArrayView<float> dlogits, ArrayView<float> logits, ArrayView<int> labels,
        ArrayView<float> weights, CrossEntropyArgs args)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int row = Grid.IdxX, tid = Group.IdxX, step = Group.DimX, C = args.C;
        long rowStart = (long)row * C;
        int label = labels[row];
        float labelLogit = logits[rowStart + label];

        float max = float.MinValue;
        for (int c = tid; c < C; c += step)
            if (logits[rowStart + c] > max) max = logits[rowStart + c];
        max = GroupReduce.Max(scratch, max);

        float sum = 0f;
        for (int c = tid; c < C; c += step) sum += XMath.Exp(logits[rowStart + c] - max);
        sum = GroupReduce.Sum(scratch, sum);

        if (tid == 0) losses[row] = XMath.Log(sum) + max - labelLogit;
        if (args.HasGradient == 0) return;
        float factor = args.GradScale * (args.HasWeights != 0 ? weights[row] : 1f) / sum;
        float labelFactor = args.GradScale * (args.HasWeights != 0 ? weights[row] : 1f);
        for (int c = tid; c < C; c += step)
        {
            float gradient = XMath.Exp(logits[rowStart + c] - max) * factor;
            dlogits[rowStart + c] = c == label ? gradient - labelFactor : gradient;
        }
    }

    /// <param name="dlogits">Any view when <paramref name="hasGradient"/> is false.</param>
    /// <param name="weights">Any view when <paramref name="hasWeights"/> is false.</param>
    public void Run(AcceleratorStream stream, ArrayView<float> losses, ArrayView<float> dlogits, bool hasGradient, ArrayView<float> logits,
        ArrayView<int> labels, ArrayView<float> weights, bool hasWeights, float gradScale, int N, int C)
    {
        if (N == 0) return;
        _kernel(stream, new KernelConfig(N, _block), losses, dlogits, logits, labels, weights,
            new CrossEntropyArgs(C, gradScale, hasGradient ? 1 : 0, hasWeights ? 1 : 0));
    }
}
