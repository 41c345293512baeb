using BertNative.Contract;

namespace BertNative.Cpu;

// Row gather within each batch item (MLM positions, the <cls> row, packing). The backward scatter-adds; repeated
// positions only collide within one batch item, so threads split the batch and each item is summed in slot order.
public sealed unsafe partial class CpuBackend
{
    public void GatherForward(FloatView output, FloatView input, IntView positions, int B, int T, int P, int C)
    {
        float* o = Ptr(output, (long)B * P * C), x = Ptr(input, (long)B * T * C);
        int* pos = Ptr(positions, (long)B * P);
        // Output rows never collide, so threads split all B*P rows (the model packs with B = 1).
        _parallel.ForChunks((long)B * P, 64, (_, start, end) =>
        {
            for (long row = start; row < end; row++)
            {
                long b = row / P;
                int t = pos[row];
                CheckIndex(t, T, "position");
                new ReadOnlySpan<float>(x + (b * T + t) * C, C).CopyTo(new Span<float>(o + row * C, C));
            }
        });
    }

    public void GatherBackward(FloatView dinput, FloatView doutput, IntView positions, int B, int T, int P, int C)
    {
        float* dx = Ptr(dinput, (long)B * T * C), dy = Ptr(doutput, (long)B * P * C);
        int* pos = Ptr(positions, (long)B * P);
        _parallel.ForChunks(B, 16, (_, start, end) =>
        {
            for (long b = start; b < end; b++)
                for (int p = 0; p < P; p++)
                {
                    int t = pos[b * P + p];
                    CheckIndex(t, T, "position");
                    var dst = new Span<float>(dx + (b * T + t) * C, C);
                    Simd.Add(dst, new ReadOnlySpan<float>(dy + (b * P + p) * C, C), dst);
                }
        });
    }
}
