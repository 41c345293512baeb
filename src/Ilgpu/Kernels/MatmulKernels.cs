using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Linear layers y = x W^T + b on <see cref="GemmKernel"/>; dbias is a column sum with one thread per column.</summary>
internal sealed class MatmulKernels(Accelerator accelerator, GemmKernel gemm)
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int, int> _columnSums =
        accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ColumnSumsKernel);

    /// <summary>sums[c] += sum over rows of matrix[row, c] for a [rows, C] matrix.</summary>
    private static void ColumnSumsKernel(Index1D c, ArrayView<float> sums, ArrayView<float> matrix, int rows, int C)
    {
        float sum = 0f;
        for (int row = 0; row < rows; row++) sum += matrix[(long)row * C + c];
        sums[c] += sum;
    }

    public void Forward(AcceleratorStream stream, ArrayView<float> output, ArrayView<float> input, ArrayView<float> weight,
        ArrayView<float> bias, bool hasBias, int N, int I, int O)
        => gemm.Run(stream, N, O, I, 1, 1, input, new GemmOperand(I), weight, new GemmOperand(I, transposed: true),
            output, new GemmOperand(O), bias: bias, hasBias: hasBias);

    public void BackwardInput(AcceleratorStream stream, ArrayView<float> dinput, bool accumulate, ArrayView<float> doutput,
        ArrayView<float> weight, int N, int I, int O)
        => gemm.Run(stream, N, I, O, 1, 1, doutput, new GemmOperand(O), weight, new GemmOperand(I), dinput, new GemmOperand(I),
            accumulate: accumulate);

    /// <summary>dweight += doutput^T input.</summary>
    public void BackwardWeight(AcceleratorStream stream, ArrayView<float> dweight, ArrayView<float> doutput, ArrayView<float> input,
        int N, int I, int O)
        => gemm.Run(stream, O, I, N, 1, 1, doutput, new GemmOperand(O, transposed: true), input, new GemmOperand(I),
            dweight, new GemmOperand(I), accumulate: true);

    public void BackwardBias(AcceleratorStream stream, ArrayView<float> dbias, ArrayView<float> doutput, int N, int O)
    {
        if (O > 0) _columnSums(stream, O, dbias, doutput, N, O);
    }
}
