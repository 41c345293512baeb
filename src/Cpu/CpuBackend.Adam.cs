using System.Runtime.Intrinsics;
using BertNative.Contract;

namespace BertNative.Cpu;

// AdamW (PyTorch's bias-corrected form, decoupled weight decay, gradient scaled first), vectorized over chunks.
public sealed unsafe partial class CpuBackend
{
    public void AdamStep(FloatView parameters, FloatView gradients, FloatView m, FloatView v, long n, AdamSettings settings, int t)
    {
        if (t < 1) throw new ArgumentOutOfRangeException(nameof(t), "Adam steps count from 1");
        float* p = Ptr(parameters, n), g = Ptr(gradients, n), mm = Ptr(m, n), vv = Ptr(v, n);
        float b1 = settings.Beta1, b2 = settings.Beta2, lr = settings.LearningRate, eps = settings.Epsilon, wd = settings.WeightDecay, scale = settings.GradientScale;
        float correction1 = (float)(1.0 / (1.0 - Math.Pow(b1, t)));
        float correction2 = (float)(1.0 / (1.0 - Math.Pow(b2, t)));
        _parallel.ForChunks(n, ElementwiseGrain, (_, start, end) =>
        {
            long i = start;
            for (; i + Vector256<float>.Count <= end; i += Vector256<float>.Count)
            {
                var param = Vector256.Load(p + i);
                var grad = Vector256.Load(g + i) * scale;
                var m1 = Vector256.FusedMultiplyAdd(Vector256.Load(mm + i), Vector256.Create(b1), grad * (1f - b1));
                var m2 = Vector256.FusedMultiplyAdd(Vector256.Load(vv + i), Vector256.Create(b2), grad * grad * (1f - b2));
                m1.Store(mm + i);
                m2.Store(vv + i);
                var step = m1 * correction1 / (Vector256.Sqrt(m2 * correction2) + Vector256.Create(eps));
                (param - Vector256.FusedMultiplyAdd(param, Vector256.Create(wd), step) * lr).Store(p + i);
            }
            for (; i < end; i++)
            {
                float grad = g[i] * scale;
                mm[i] = b1 * mm[i] + (1f - b1) * grad;
                vv[i] = b2 * vv[i] + (1f - b2) * grad * grad;
                p[i] -= lr * MathF.FusedMultiplyAdd(p[i], wd, mm[i] * correction1 / (MathF.Sqrt(vv[i] * correction2) + eps));
            }
        });
    }
}
