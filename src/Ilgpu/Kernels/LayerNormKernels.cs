using BertNative.Contract;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>LayerNorm over rows of [N,C] (biased variance, two passes), optionally fused with the residual
/// add; one group per row. Backward writes dinput (=) per row and adds dgamma/dbeta column sums (+=)
/// with one thread per column, so no atomics are needed and the result is deterministic.</summary>
internal sealed class LayerNormKernels
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ForwardArgs> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int> _backwardInput;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, int, int> _backwardParameters;
    private readonly int _block;

    public LayerNormKernels(Accelerator accelerator)
    {
        _forward = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ForwardArgs>(ForwardKernel);
        _backwardInput = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, int>(BackwardInputKernel);
        _backwardParameters = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(BackwardParametersKernel);
        _block = LaunchShape.BlockSize(accelerator);
    }

    internal readonly record struct ForwardArgs(int C, float Epsilon, int HasResidual, int HasDropout, ulong DropoutKey,
        uint DropoutThreshold, float DropoutScale);

    /// <summary>x = a (+ dropout(b), stored to residual when fused); output = (x - mean) rstd gamma + beta.</summary>
    private static void ForwardKernel(ArrayView<float> output, ArrayView<float> residual, ArrayView<float> mean, ArrayView<float> rstd,
        ArrayView<float> a, ArrayView<float> b, ArrayView<float> gamma, ArrayView<float> beta, ForwardArgs args)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int row = Grid.IdxX, tid = Group.IdxX, step = Group.DimX, C = args.C;
        long rowStart = (long)row * C;

        float sum = 0f;
        for (int c = tid; c < C; c += step)
        {
            float x = Input(a, b, args, rowStart + c);
            if (args.HasResidual != 0) residual[rowStart + c] = x;
            sum += x;
        }
        float mu = GroupReduce.Sum(scratch, sum) / C;

        float squares = 0f;
        for (int c = tid; c < C; c += step)
        {
            float centered = Stored(a, residual, args.HasResidual, rowStart + c) - mu;
            squares += centered * centered;
        }
        float r = XMath.Rsqrt(GroupReduce.Sum(scratch, squares) / C + args.Epsilon);

        for (int c = tid; c < C; c += step)
            output[rowStart + c] = (Stored(a, residual, args.HasResidual, rowStart + c) - mu) * r * gamma[c] + beta[c];
        if (tid == 0)
        {
            mean[row] = mu;
            rstd[row] = r;
        }
    }

    private static float Input(ArrayView<float> a, ArrayView<float> b, ForwardArgs args, long i)
    {
        if (args.HasResidual == 0) return a[i];
        float summand = args.HasDropout != 0 ? DeviceMath.Drop(b[i], args.DropoutKey, args.DropoutThreshold, args.DropoutScale, i) : b[i];
        return a[i] + summand;
    }

    /// <summary>x after the first pass; each thread rereads only elements it wrote, so residual may alias a or b.</summary>
    private static float Stored(ArrayView<float> a, ArrayView<float> residual, int hasResidual, long i) => hasResidual != 0 ? residual[i] : a[i];

    /// <summary>dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dout gamma.</summary>
    private static void BackwardInputKernel(ArrayView<float> dinput, ArrayView<float> doutput, ArrayView<float> input,
        ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> rstd, int C)
    {
        var scratch = SharedMemory.Allocate<float>(LaunchShape.MaxBlock);
        int row = Grid.IdxX, tid = Group.IdxX, step = Group.DimX;
        long rowStart = (long)row * C;
        float mu = mean[row], r = rstd[row];

        float sumG = 0f, sumGx = 0f;
        for (int c = tid; c < C; c += step)
        {
            float g = doutput[rowStart + c] * gamma[c];
            sumG += g;
            sumGx += g * (input[rowStart + c] - mu) * r;
        }
        float meanG = GroupReduce.Sum(scratch, sumG) / C;
        float meanGx = GroupReduce.Sum(scratch, sumGx) / C;

        for (int c = tid; c < C; c += step)
        {
            float xhat = (input[rowStart + c] - mu) * r;
            dinput[rowStart + c] = r * (doutput[rowStart + c] * gamma[c] - meanG - xhat * meanGx);
        }
    }

    private static void BackwardParametersKernel(Index1D c, ArrayView<float> dgamma, ArrayView<float> dbeta, ArrayView<float> doutput,
        ArrayView<float> input, ArrayView<float> mean, ArrayView<float> rstd, int N, int C)
    {
        float sumGamma = 0f, sumBeta = 0f;
        for (int row = 0; row < N; row++)
        {
            long i = (long)row * C + c;
            sumGamma += doutput[i] * (input[i] - mean[row]) * rstd[row];
            sumBeta += doutput[i];
        }
        dgamma[c] += sumGamma;
        dbeta[c] += sumBeta;
    }

    /// <param name="b">The second summand (after <paramref name="dropout"/>) when <paramref name="residual"/> is fused
    /// (hasResidual); otherwise any view.</param>
    public void Forward(AcceleratorStream stream, ArrayView<float> output, ArrayView<float> residual, ArrayView<float> mean,
        ArrayView<float> rstd, ArrayView<float> a, ArrayView<float> b, bool hasResidual, ArrayView<float> gamma, ArrayView<float> beta,
        int N, int C, float epsilon, Dropout dropout)
    {
        if (N == 0) return;
        _forward(stream, new KernelConfig(N, _block), output, residual, mean, rstd, a, b, gamma, beta,
            new ForwardArgs(C, epsilon, hasResidual ? 1 : 0, dropout.IsActive ? 1 : 0, dropout.Key, dropout.Threshold, dropout.Scale));
    }

    public void Backward(AcceleratorStream stream, ArrayView<float> dinput, ArrayView<float> dgamma, ArrayView<float> dbeta,
        ArrayView<float> doutput, ArrayView<float> input, ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> rstd, int N, int C)
    {
        if (N == 0 || C == 0) return;
        // Parameter sums first: dinput may alias doutput.
        _backwardParameters(stream, C, dgamma, dbeta, doutput, input, mean, rstd, N, C);
        _backwardInput(stream, new KernelConfig(N, _block), dinput, doutput, input, gamma, mean, rstd, C);
    }
}
