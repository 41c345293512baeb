using BertNative.Contract;
using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>
/// Multi-head attention core as strided-batched GEMMs over (batch, head) plus the masked softmax.
/// Head h of batch b reads Q, K, V as [T,d] blocks of qkv[B,T,3H] with leading dimension 3H, and
/// writes its output into columns [h d, (h+1) d) of output[B,T,H], so heads never need splitting or merging.
/// probs holds the softmax before dropout; the dropped copy (and the backward's dprobs) live in scratch.
/// Rows of padded tokens in qkv and doutput are read as zeros (GemmOperand's maskPaddedRows), so whatever they
/// hold never reaches a valid token.
/// </summary>
internal sealed class AttentionKernels(Accelerator accelerator, GemmKernel gemm, ElementwiseKernels elementwise) : IDisposable
{
    private readonly AttentionSoftmaxKernels _softmax = new(accelerator);
    private readonly ScratchBuffer _droppedProbs = new(accelerator);
    private readonly ScratchBuffer _dprobs = new(accelerator);

    public void Forward(AcceleratorStream stream, ArrayView<float> output, ArrayView<float> probs, ArrayView<float> qkv,
        ArrayView<int> validLens, ArrayView<int>? keyMask, int B, int T, int H, int heads, Dropout dropout)
    {
        var s = new Shape(T, H, heads);
        // scores = Q K^T / sqrt(d) straight into probs, then softmax in place.
        gemm.Run(stream, T, T, s.D, B, heads, qkv, s.Qkv(), qkv.SubView(H), s.Qkv(transposed: true), probs, s.Probs(), s.Scale,
            validLens: validLens);
        _softmax.Forward(stream, probs, validLens, keyMask, B, T, heads);
        var used = Dropped(stream, probs, s.ProbsCount(B), dropout);
        gemm.Run(stream, T, s.D, T, B, heads, used, s.Probs(), qkv.SubView(2L * H), s.Qkv(), output, s.Heads(), validLens: validLens);
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dqkv, ArrayView<float> doutput, ArrayView<float> qkv,
        ArrayView<float> probs, ArrayView<int> validLens, int B, int T, int H, int heads, Dropout dropout)
    {
        var s = new Shape(T, H, heads);
        long count = s.ProbsCount(B);
        var dp = _dprobs.View(stream, count);
        var used = Dropped(stream, probs, count, dropout);
        // d(dropped probs) = dout V^T; dV = dropped^T dout.
        gemm.Run(stream, T, T, s.D, B, heads, doutput, s.Heads(), qkv.SubView(2L * H), s.Qkv(transposed: true), dp, s.Probs(),
            validLens: validLens);
        gemm.Run(stream, T, s.D, T, B, heads, used, s.Probs(transposed: true), doutput, s.Heads(), dqkv.SubView(2L * H), s.Qkv(),
            validLens: validLens);
        if (dropout.IsActive) elementwise.Dropout(stream, dp, dp, count, dropout);
        _softmax.Backward(stream, dp, probs, LaunchShape.Count((long)B * heads * T), T);
        // dQ = dS K / sqrt(d); dK = dS^T Q / sqrt(d).
        gemm.Run(stream, T, s.D, T, B, heads, dp, s.Probs(), qkv.SubView(H), s.Qkv(), dqkv, s.Qkv(), s.Scale, validLens: validLens);
        gemm.Run(stream, T, s.D, T, B, heads, dp, s.Probs(transposed: true), qkv, s.Qkv(), dqkv.SubView(H), s.Qkv(), s.Scale,
            validLens: validLens);
    }

    /// <summary>dropout(probs) in scratch, or probs itself when dropout is off. Same element index as the contract's.</summary>
    private ArrayView<float> Dropped(AcceleratorStream stream, ArrayView<float> probs, long count, Dropout dropout)
    {
        if (!dropout.IsActive) return probs;
        var dropped = _droppedProbs.View(stream, count);
        elementwise.Dropout(stream, dropped, probs, count, dropout);
        return dropped;
    }

    /// <summary>Operand layouts for batch (b, h) of one attention call.</summary>
    private readonly record struct Shape(int T, int H, int HeadCount)
    {
        public int D => H / HeadCount;
        public float Scale => 1f / MathF.Sqrt(D);
        public long ProbsCount(int B) => (long)B * HeadCount * T * T;

        /// <summary>A [T,d] head block of qkv[B,T,3H] (the view starts at the Q, K or V columns).</summary>
        public GemmOperand Qkv(bool transposed = false) => new(3 * H, transposed, outer: (long)T * 3 * H, inner: D, maskPaddedRows: true);

        /// <summary>A [T,T] block of probs[B,heads,T,T].</summary>
        public GemmOperand Probs(bool transposed = false) => new(T, transposed, outer: (long)HeadCount * T * T, inner: (long)T * T);

        /// <summary>A [T,d] head block of a merged-heads [B,T,H] tensor (padded rows masked where it is read).</summary>
        public GemmOperand Heads() => new(H, outer: (long)T * H, inner: D, maskPaddedRows: true);
    }

    public void Dispose()
    {
        _droppedProbs.Dispose();
        _dprobs.Dispose();
    }
}
