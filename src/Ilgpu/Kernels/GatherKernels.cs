using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Row gather (MLM positions, the &lt;cls&gt; row) and its scatter-add backward (atomics: positions may repeat).</summary>
internal sealed class GatherKernels
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, GatherArgs> _forward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, GatherArgs> _backward;

    public GatherKernels(Accelerator accelerator)
    {
        _forward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, GatherArgs>(ForwardKernel);
        _backward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, GatherArgs>(BackwardKernel);
    }

    internal readonly record struct GatherArgs(int T, int P, int C);

    /// <summary>The [B,T,C] offset of output element i of [B,P,C].</summary>
    private static long SourceIndex(int i, ArrayView<int> positions, GatherArgs a)
    {
        int bp = i / a.C, c = i % a.C, b = bp / a.P;
        return ((long)b * a.T + positions[bp]) * a.C + c;
    }

    private static void ForwardKernel(Index1D i, ArrayView<float> output, ArrayView<float> input, ArrayView<int> positions, GatherArgs a)
        => output[i] = input[SourceIndex(i, positions, a)];

    private static void BackwardKernel(Index1D i, ArrayView<float> dinput, ArrayView<float> doutput, ArrayView<int> positions, GatherArgs a)
        => Atomic.Add(ref dinput[SourceIndex(i, positions, a)], doutput[i]);

    public void Forward(AcceleratorStream stream, ArrayView<float> output, ArrayView<float> input, ArrayView<int> positions, int B, int T, int P, int C)
    {
        if ((long)B * P * C > 0) _forward(stream, LaunchShape.Count((long)B * P * C), output, input, positions, new GatherArgs(T, P, C));
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dinput, ArrayView<float> doutput, ArrayView<int> positions, int B, int T, int P, int C)
    {
        if ((long)B * P * C > 0) _backward(stream, LaunchShape.Count((long)B * P * C), dinput, doutput, positions, new GatherArgs(T, P, C));
    }
}
