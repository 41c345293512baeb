using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Token + segment + position embeddings, one thread per output element. Backward scatter-adds
/// into the tables with atomics (repeated tokens collide); the position gradient is optional.</summary>
internal sealed class EmbeddingKernels
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, EmbeddingArgs> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<int>, ArrayView<int>, EmbeddingArgs> _backward;

    public EmbeddingKernels(Accelerator accelerator)
    {
        _forward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, EmbeddingArgs>(ForwardKernel);
        _backward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<int>, EmbeddingArgs>(BackwardKernel);
    }

    internal readonly record struct EmbeddingArgs(int T, int H, int HasPosition);

    private static void ForwardKernel(Index1D i, ArrayView<float> output, ArrayView<int> tokens, ArrayView<int> segments,
        ArrayView<float> tokenTable, ArrayView<float> segmentTable, ArrayView<float> positionTable, EmbeddingArgs a)
    {
        int bt = i / a.H, c = i % a.H, t = bt % a.T;
        output[i] = tokenTable[(long)tokens[bt] * a.H + c] + segmentTable[(long)segments[bt] * a.H + c]
                    + positionTable[(long)t * a.H + c];
    }

    private static void BackwardKernel(Index1D i, ArrayView<float> dTokenTable, ArrayView<float> dSegmentTable,
        ArrayView<float> dPositionTable, ArrayView<float> doutput, ArrayView<int> tokens, ArrayView<int> segments, EmbeddingArgs a)
    {
        int bt = i / a.H, c = i % a.H, t = bt % a.T;
        float d = doutput[i];
        Atomic.Add(ref dTokenTable[(long)tokens[bt] * a.H + c], d);
        Atomic.Add(ref dSegmentTable[(long)segments[bt] * a.H + c], d);
        if (a.HasPosition != 0) Atomic.Add(ref dPositionTable[(long)t * a.H + c], d);
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> output, ArrayView<int> tokens, ArrayView<int> segments,
        ArrayView<float> tokenTable, ArrayView<float> segmentTable, ArrayView<float> positionTable, int B, int T, int H)
    {
        if ((long)B * T * H == 0) return;
        _forward(stream, LaunchShape.Count((long)B * T * H), output, tokens, segments, tokenTable, segmentTable, positionTable,
            new EmbeddingArgs(T, H, 1));
    }

    /// <param name="dPositionTable">Any view when <paramref name="hasPosition"/> is false (it is not touched).</param>
    public void Backward(AcceleratorStream stream, ArrayView<float> dTokenTable, ArrayView<float> dSegmentTable,
        ArrayView<float> dPositionTable, bool hasPosition, ArrayView<float> doutput, ArrayView<int> tokens, ArrayView<int> segments,
        int B, int T, int H)
    {
        if ((long)B * T * H == 0) return;
        _backward(stream, LaunchShape.Count((long)B * T * H), dTokenTable, dSegmentTable, dPositionTable, doutput, tokens, segments,
            new EmbeddingArgs(T, H, hasPosition ? 1 : 0));
    }
}
