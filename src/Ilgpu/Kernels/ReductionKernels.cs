using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Whole-buffer sums, deterministic and in double: each group of a fixed grid sums a grid-strided share
/// into one partial, then a single group sums the partials into result[0]. Nothing returns to the host.</summary>
internal sealed class ReductionKernels : IDisposable
{
    private const int Plain = 0, Weighted = 1, Squares = 2;

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<double>, ArrayView<float>, ArrayView<float>, long, int> _partialSums;
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<double>> _finalSum;
    private readonly MemoryBuffer1D<double, Stride1D.Dense> _partials;
    private readonly int _block;

    public ReductionKernels(Accelerator accelerator)
    {
        _partialSums = accelerator.LoadKernel<ArrayView<double>, ArrayView<float>, ArrayView<float>, long, int>(PartialSumsKernel);
        _finalSum = accelerator.LoadKernel<ArrayView<float>, ArrayView<double>>(FinalSumKernel);
        _block = LaunchShape.BlockSize(accelerator);
        _partials = accelerator.Allocate1D<double>(_block); // one partial per group; the grid has `block` groups
    }

    private static void PartialSumsKernel(ArrayView<double> partials, ArrayView<float> values, ArrayView<float> weights, long n, int mode)
    {
        var scratch = SharedMemory.Allocate<double>(LaunchShape.MaxBlock);
        long stride = (long)Grid.DimX * Group.DimX;
        double sum = 0.0;
        for (long i = (long)Grid.IdxX * Group.DimX + Group.IdxX; i < n; i += stride)
        {
            double v = values[i];
            sum += mode == Weighted ? v * weights[i] : mode == Squares ? v * v : v;
        }
        sum = GroupReduce.Sum(scratch, sum);
        if (Group.IdxX == 0) partials[Grid.IdxX] = sum;
    }

    private static void FinalSumKernel(ArrayView<float> result, ArrayView<double> partials)
    {
        var scratch = SharedMemory.Allocate<double>(LaunchShape.MaxBlock);
        double sum = 0.0;
        for (int i = Group.IdxX; i < partials.IntLength; i += Group.DimX) sum += partials[i];
        sum = GroupReduce.Sum(scratch, sum);
        if (Group.IdxX == 0) result[0] = (float)sum;
    }

    /// <param name="weights">Any view when <paramref name="hasWeights"/> is false.</param>
    public void WeightedSum(AcceleratorStream stream, ArrayView<float> result, ArrayView<float> values, ArrayView<float> weights,
        bool hasWeights, long n) => Run(stream, result, values, weights, n, hasWeights ? Weighted : Plain);

    public void SumOfSquares(AcceleratorStream stream, ArrayView<float> result, ArrayView<float> values, long n)
        => Run(stream, result, values, values, n, Squares);

    private void Run(AcceleratorStream stream, ArrayView<float> result, ArrayView<float> values, ArrayView<float> weights, long n, int mode)
    {
        _partialSums(stream, new KernelConfig(_block, _block), _partials.View, values, weights, n, mode);
        _finalSum(stream, new KernelConfig(1, _block), result, _partials.View);
    }

    public void Dispose() => _partials.Dispose();
}
