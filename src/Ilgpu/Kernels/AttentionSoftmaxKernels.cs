using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>The masked row softmax of attention scores [B,heads,T,T] (in place) and its backward,
/// one group per row. Keys j &gt;= validLens[b] score -1e6 (the spec's mask, not -inf); rows of padded
/// queries (i &gt;= validLens[b]) become zero.</summary>
internal sealed class AttentionSoftmaxKernels
{
    private const float MaskedScore = -1e6f;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, int, int> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int> _backward;
    private readonly int _block;

    public AttentionSoftmaxKernels(Accelerator accelerator)
    {
        _forward = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, int, int>(ForwardKernel);
        _backward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int>(BackwardKernel);
        _block = LaunchShape.BlockSize(accelerator);
    }

    private static void ForwardKernel(ArrayView<float> scores, ArrayView<int> validLens, int T, int heads)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int row = Grid.IdxX, tid = Group.IdxX, step = Group.DimX;
        int valid = validLens[row / (heads * T)];
        long rowStart = (long)row * T;
        if (row % T >= valid)
        {
            for (int j = tid; j < T; j += step) scores[rowStart + j] = 0f;
            return;
        }

        float max = MaskedScore;
        for (int j = tid; j < T; j += step)
            if (j < valid && scores[rowStart + j] > max) max = scores[rowStart + j];
        max = GroupReduce.Max(scratch, max);

        float sum = 0f;
        for (int j = tid; j < T; j += step)
            sum += XMath.Exp((j < valid ? scores[rowStart + j] : MaskedScore) - max);
        sum = GroupReduce.Sum(scratch, sum);

        float inverse = 1f / sum;
        for (int j = tid; j < T; j += step)
            scores[rowStart + j] = XMath.Exp((j < valid ? scores[rowStart + j] : MaskedScore) - max) * inverse;
    }

    /// <summary>dscores = probs * (dprobs - sum_j probs dprobs), in place over dprobs.</summary>
    private static void BackwardKernel(ArrayView<float> dprobs, ArrayView<float> probs, int T)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int tid = Group.IdxX, step = Group.DimX;
        long rowStart = (long)Grid.IdxX * T;

        float dot = 0f;
        for (int j = tid; j < T; j += step) dot += probs[rowStart + j] * dprobs[rowStart + j];
        dot = GroupReduce.Sum(scratch, dot);

        for (int j = tid; j < T; j += step)
            dprobs[rowStart + j] = probs[rowStart + j] * (dprobs[rowStart + j] - dot);
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> scores, ArrayView<int> validLens, int B, int T, int heads)
    {
        int rows = LaunchShape.Count((long)B * heads * T);
        if (rows > 0) _forward(stream, new KernelConfig(rows, _block), scores, validLens, T, heads);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dprobs, ArrayView<float> probs, int rows, int T)
    {
        if (rows > 0) _backward(stream, new KernelConfig(rows, _block), dprobs, probs, T);
    }
}
