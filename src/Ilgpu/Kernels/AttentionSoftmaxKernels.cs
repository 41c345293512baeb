using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>The masked row softmax of attention scores [B,heads,T,T] (in place) and its backward,
/// one group per row. Keys j &gt;= validLens[b], and keys whose keyMask[b*T + j] is 0 when there is a key mask,
/// score -1e6 (the spec's mask, not -inf); rows of padded queries (i &gt;= validLens[b]) become zero.</summary>
internal sealed class AttentionSoftmaxKernels
{
    private const float MaskedScore = -1e6f;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int, int> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, int> _backward;
    private readonly int _block;

    public AttentionSoftmaxKernels(Accelerator accelerator)
    {
        _forward = accelerator.LoadKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int, int>(ForwardKernel);
        _backward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, int>(BackwardKernel);
        _block = LaunchShape.BlockSize(accelerator);
    }

    // hasKeyMask is an int flag (kernel arguments cannot be bool); without a mask, keyMask is any valid view.
    private static void ForwardKernel(ArrayView<float> scores, ArrayView<int> validLens, ArrayView<int> keyMask, int hasKeyMask, int T, int heads)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int row = Grid.IdxX, tid = Group.IdxX, step = Group.DimX;
        int b = row / (heads * T);
        int valid = validLens[b];
        long rowStart = (long)row * T, keysStart = (long)b * T;
        if (row % T >= valid)
        {
            for (int j = tid; j < T; j += step) scores[rowStart + j] = 0f;
            return;
        }

        float max = MaskedScore;
        for (int j = tid; j < T; j += step)
            max = XMath.Max(max, Score(scores, rowStart, j, valid, keyMask, hasKeyMask, keysStart));
        max = GroupReduce.Max(scratch, max);

        float sum = 0f;
        for (int j = tid; j < T; j += step)
            sum += XMath.Exp(Score(scores, rowStart, j, valid, keyMask, hasKeyMask, keysStart) - max);
        sum = GroupReduce.Sum(scratch, sum);

        float inverse = 1f / sum;
        for (int j = tid; j < T; j += step)
            scores[rowStart + j] = XMath.Exp(Score(scores, rowStart, j, valid, keyMask, hasKeyMask, keysStart) - max) * inverse;
    }

    private static float Score(ArrayView<float> scores, long rowStart, int j, int valid, ArrayView<int> keyMask, int hasKeyMask, long keysStart) =>
        j < valid && (hasKeyMask == 0 || keyMask[keysStart + j] != 0) ? scores[rowStart + j] : MaskedScore;

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

    public void Forward(AcceleratorStream stream, ArrayView<float> scores, ArrayView<int> validLens, ArrayView<int>? keyMask, int B, int T, int heads)
    {
        int rows = LaunchShape.Count((long)B * heads * T);
        if (rows > 0) _forward(stream, new KernelConfig(rows, _block), scores, validLens, keyMask ?? validLens, keyMask is null ? 0 : 1, T, heads);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dprobs, ArrayView<float> probs, int rows, int T)
    {
        if (rows > 0) _backward(stream, new KernelConfig(rows, _block), dprobs, probs, T);
    }
}
