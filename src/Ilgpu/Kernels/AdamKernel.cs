using BertNative.Contract;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>One AdamW step over a parameter buffer, one thread per parameter (torch.optim.AdamW: decoupled
/// weight decay, the gradient scaled first for clipping, bias corrections precomputed on the host).</summary>
internal sealed class AdamKernel
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs> _step;

    public AdamKernel(Accelerator accelerator)
        => _step = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamArgs>(StepKernel);

    internal readonly record struct AdamArgs(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay,
        float GradientScale, float Correction1, float Correction2);

    private static void StepKernel(Index1D i, ArrayView<float> parameters, ArrayView<float> gradients,
        ArrayView<float> m, ArrayView<float> v, AdamArgs a)
    {
        float p = parameters[i];
        float g = gradients[i] * a.GradientScale;
        float mi = a.Beta1 * m[i] + (1f - a.Beta1) * g;
        float vi = a.Beta2 * v[i] + (1f - a.Beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        parameters[i] = p - a.LearningRate * (a.WeightDecay * p + (mi / a.Correction1) / (XMath.Sqrt(vi / a.Correction2) + a.Epsilon));
    }

    public void Step(AcceleratorStream stream, ArrayView<float> parameters, ArrayView<float> gradients,
        ArrayView<float> m, ArrayView<float> v, long n, AdamSettings s, int t)
    {
        if (n == 0) return;
        var args = new AdamArgs(s.LearningRate, s.Beta1, s.Beta2, s.Epsilon, s.WeightDecay, s.GradientScale,
            (float)(1.0 - Math.Pow(s.Beta1, t)), (float)(1.0 - Math.Pow(s.Beta2, t)));
        _step(stream, LaunchShape.Count(n), parameters, gradients, m, v, args);
    }
}
