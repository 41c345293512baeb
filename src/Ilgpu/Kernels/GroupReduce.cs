using ILGPU;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Tree reductions over one group in shared memory. Every thread of the group must call;
/// each gets the total. Group.DimX must be a power of two no larger than the scratch.</summary>
internal static class GroupReduce
{
    public static float Sum(ArrayView<float> scratch, float value)
    {
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (tid < stride) scratch[tid] += scratch[tid + stride];
            Group.Barrier();
        }
        float total = scratch[0];
        Group.Barrier(); // the scratch is reused by the next reduction
        return total;
    }

    public static float Max(ArrayView<float> scratch, float value)
    {
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (tid < stride && scratch[tid + stride] > scratch[tid]) scratch[tid] = scratch[tid + stride];
            Group.Barrier();
        }
        float total = scratch[0];
        Group.Barrier();
        return total;
    }

    public static double Sum(ArrayView<double> scratch, double value)
    {
        int tid = Group.IdxX;
        scratch[tid] = value;
        Group.Barrier();
        for (int stride = Group.DimX / 2; stride > 0; stride >>= 1)
        {
            if (tid < stride) scratch[tid] += scratch[tid + stride];
            Group.Barrier();
        }
        double total = scratch[0];
        Group.Barrier();
        return total;
    }
}
