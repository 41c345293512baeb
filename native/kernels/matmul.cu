// Linear layers through the one cuBLASLt wrapper (bn::gemm, gemm.cu), row-major, weight [O, I]:
//   forward   output[N,O] = input[N,I] weight^T + bias
//   backward  dinput[N,I] (= or +=) doutput weight; dweight[O,I] += doutput^T input;
//             dbias[O] += column sums of doutput, split over rows (column_sums.cuh)
//             (parameter gradients +=, activation gradients =).
#include "column_sums.cuh"

namespace bn {
namespace {

// dbias[col] += doutput[row, col] summed over rows.
struct BiasTerm {
    const float* doutput;
    int cols;
    __device__ void operator()(int row, int col, float* sums) const { sums[0] += doutput[static_cast<int64_t>(row) * cols + col]; }
};

}  // namespace

void matmul_forward(bn_context* context, float* output, const float* input, const float* weight, const float* bias,
                    int N, int I, int O, cudaStream_t stream) {
    Gemm g;
    g.trans_b = true;
    g.M = N; g.N = O; g.K = I;
    g.A = input; g.lda = I;
    g.B = weight; g.ldb = I;
    g.C = output; g.ldc = O;
    g.bias = bias;
    gemm(context, g, stream);
}

void matmul_backward(bn_context* context, float* dinput, bool accumulate_input, float* dweight, float* dbias,
                     const float* doutput, const float* input, const float* weight, int N, int I, int O, cudaStream_t stream) {
    if (dinput) {  // dinput[N,I] = doutput[N,O] weight[O,I]
        Gemm g;
        g.M = N; g.N = I; g.K = O;
        g.A = doutput; g.lda = O;
        g.B = weight; g.ldb = I;
        g.C = dinput; g.ldc = I;
        g.beta = accumulate_input ? 1.0f : 0.0f;
        gemm(context, g, stream);
    }
    {  // dweight[O,I] += doutput^T[O,N] input[N,I]
        Gemm g;
        g.trans_a = true;
        g.M = O; g.N = I; g.K = N;
        g.A = doutput; g.lda = O;
        g.B = input; g.ldb = I;
        g.C = dweight; g.ldc = I;
        g.beta = 1.0f;
        gemm(context, g, stream);
    }
    if (dbias) column_sums<1>(context, ColumnOutputs<1>{{dbias}}, N, O, BiasTerm{doutput, O}, stream);
}

}  // namespace bn

extern "C" {

int bn_matmul_forward(bn_context* context, float* output, const float* input, const float* weight,
                      const float* bias, int N, int I, int O, void* stream) {
    return bn::guard_op("bn_matmul_forward", [&] {
        bn::require(output && input && weight && N >= 0 && I >= 0 && O >= 0, "matmul forward");
        bn::matmul_forward(context, output, input, weight, bias, N, I, O, bn::as_stream(stream));
    });
}

int bn_matmul_backward(bn_context* context, float* dinput, int accumulate_input, float* dweight, float* dbias,
                       const float* doutput, const float* input, const float* weight, int N, int I, int O, void* stream) {
    return bn::guard_op("bn_matmul_backward", [&] {
        bn::require(dweight && doutput && input && weight && N >= 0 && I >= 0 && O >= 0, "matmul backward");
        bn::matmul_backward(context, dinput, accumulate_input != 0, dweight, dbias, doutput, input, weight, N, I, O,
                            bn::as_stream(stream));
    });
}

}  // extern "C"
