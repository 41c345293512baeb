using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertNative.Cpu.Gemm;

/// <summary>
/// The innermost GEMM step: an MR x NR tile of C from a packed A micro-panel (kc steps of MR values) and a packed
/// B micro-panel (kc steps of NR values). All accumulators live in registers: 8 x 32 uses 16 of AVX-512's 32 zmm
/// registers, 6 x 16 uses 12 of AVX2's 16 ymm registers. The tile is then stored as C = alpha acc + beta C
/// (+ bias[col] when a bias is given) for its first rows x cols elements (edge tiles were zero-padded when packed).
/// </summary>
internal static unsafe class MicroKernels
{
    public const int Mr512 = 8, Nr512 = 32;
    public const int Mr256 = 6, Nr256 = 16;

    public static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, int rows, int cols)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            a += Mr512;
            b += Nr512;
        }
        if (rows == Mr512 && cols == Nr512)
        {
            var bias0 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias);
            var bias1 = bias == null ? Vector512<float>.Zero : Vector512.Load(bias + 16);
            Store(c, c00, alpha, beta, bias0); Store(c + 16, c01, alpha, beta, bias1); c += ldc;
            Store(c, c10, alpha, beta, bias0); Store(c + 16, c11, alpha, beta, bias1); c += ldc;
            Store(c, c20, alpha, beta, bias0); Store(c + 16, c21, alpha, beta, bias1); c += ldc;
            Store(c, c30, alpha, beta, bias0); Store(c + 16, c31, alpha, beta, bias1); c += ldc;
            Store(c, c40, alpha, beta, bias0); Store(c + 16, c41, alpha, beta, bias1); c += ldc;
            Store(c, c50, alpha, beta, bias0); Store(c + 16, c51, alpha, beta, bias1); c += ldc;
            Store(c, c60, alpha, beta, bias0); Store(c + 16, c61, alpha, beta, bias1); c += ldc;
            Store(c, c70, alpha, beta, bias0); Store(c + 16, c71, alpha, beta, bias1);
            return;
        }
        float* tile = stackalloc float[Mr512 * Nr512];
        c00.Store(tile); c01.Store(tile + 16); c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80); c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144); c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208); c70.Store(tile + 224); c71.Store(tile + 240);
        StoreEdge(tile, Nr512, c, ldc, alpha, beta, bias, rows, cols);
    }

    public static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, float* bias, int rows, int cols)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += Mr256;
            b += Nr256;
        }
        float* tile = stackalloc float[Mr256 * Nr256];
        c00.Store(tile); c01.Store(tile + 8); c10.Store(tile + 16); c11.Store(tile + 24);
        c20.Store(tile + 32); c21.Store(tile + 40); c30.Store(tile + 48); c31.Store(tile + 56);
        c40.Store(tile + 64); c41.Store(tile + 72); c50.Store(tile + 80); c51.Store(tile + 88);
        StoreEdge(tile, Nr256, c, ldc, alpha, beta, bias, rows, cols);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> acc, float alpha, float beta, Vector512<float> bias)
    {
        var result = Vector512.FusedMultiplyAdd(acc, Vector512.Create(alpha), bias);
        if (beta != 0f) result = Vector512.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), result);
        result.Store(c);
    }

    private static void StoreEdge(float* tile, int nr, float* c, int ldc, float alpha, float beta, float* bias, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                float value = alpha * tile[r * nr + j] + (bias == null ? 0f : bias[j]);
                row[j] = beta == 0f ? value : value + beta * row[j];
            }
        }
    }
}
