// LayerNorm over the last dimension (biased variance), plain and fused with dropout and the residual add:
//   forward   output = (x - mean) * rstd * gamma + beta; mean and rstd saved per row
//   backward  dinput (=, activation gradient); dgamma, dbeta += (parameter gradients)
// One warp per row for the row-wise work; the parameter gradients are deterministic column
// reductions split over rows (column_sums.cuh), run before dinput so that dinput may alias doutput.
#include "column_sums.cuh"

namespace bn {
namespace {

// residual == nullptr: x = a. Otherwise x = a + dropout(b), also written to residual.
__global__ void layernorm_forward_kernel(float* output, float* residual, float* mean_out, float* rstd_out, const float* a,
                                         const float* b, const float* gamma, const float* beta, int N, int C, float epsilon,
                                         DropoutMask mask) {
    int row = (blockIdx.x * blockDim.x + threadIdx.x) / kWarp;
    int lane = threadIdx.x % kWarp;
    if (row >= N) return;
    int64_t base = static_cast<int64_t>(row) * C;
    const float* x = residual ? residual + base : a + base;

    float sum = 0.0f;
    for (int c = lane; c < C; c += kWarp) {
        float value = a[base + c];
        if (residual) {
            value += mask.apply(b[base + c], base + c);
            residual[base + c] = value;  // read back below by this same lane only
        }
        sum += value;
    }
    float mean = warp_sum(sum) / C;
    float squares = 0.0f;
    for (int c = lane; c < C; c += kWarp) {
        float centered = x[c] - mean;
        squares += centered * centered;
    }
    float rstd = 1.0f / sqrtf(warp_sum(squares) / C + epsilon);
    for (int c = lane; c < C; c += kWarp) output[base + c] = (x[c] - mean) * rstd * gamma[c] + beta[c];
    if (lane == 0) {
        mean_out[row] = mean;
        rstd_out[row] = rstd;
    }
}

// dgamma[c] += doutput * xhat and dbeta[c] += doutput, summed over rows (column_sums.cuh).
struct ParamTerm {
    const float *doutput, *input, *mean, *rstd;
    int C;
    __device__ void operator()(int row, int c, float* sums) const {
        int64_t i = static_cast<int64_t>(row) * C + c;
        sums[0] += doutput[i] * (input[i] - mean[row]) * rstd[row];
        sums[1] += doutput[i];
    }
};

// dinput = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = doutput * gamma. One warp per row;
// each lane reads its elements of doutput before writing the same elements of dinput.
__global__ void layernorm_input_backward_kernel(float* dinput, const float* doutput, const float* input, const float* gamma,
                                                const float* mean, const float* rstd, int N, int C) {
    int row = (blockIdx.x * blockDim.x + threadIdx.x) / kWarp;
    int lane = threadIdx.x % kWarp;
    if (row >= N) return;
    int64_t base = static_cast<int64_t>(row) * C;
    float mu = mean[row], rs = rstd[row];

    float sum_g = 0.0f, sum_g_xhat = 0.0f;
    for (int c = lane; c < C; c += kWarp) {
        float g = doutput[base + c] * gamma[c];
        sum_g += g;
        sum_g_xhat += g * (input[base + c] - mu) * rs;
    }
    float mean_g = warp_sum(sum_g) / C;
    float mean_g_xhat = warp_sum(sum_g_xhat) / C;
    for (int c = lane; c < C; c += kWarp) {
        float g = doutput[base + c] * gamma[c];
        float xhat = (input[base + c] - mu) * rs;
        dinput[base + c] = rs * (g - mean_g - xhat * mean_g_xhat);
    }
}

unsigned int warp_blocks(int rows) { return static_cast<unsigned int>((static_cast<int64_t>(rows) * kWarp + 255) / 256); }

}  // namespace

void layernorm_forward(float* output, float* residual, float* mean, float* rstd, const float* a, const float* b,
                       const float* gamma, const float* beta, int N, int C, float epsilon, DropoutMask mask, cudaStream_t stream) {
    if (N == 0) return;
    BN_LAUNCH(layernorm_forward_kernel, warp_blocks(N), 256, 0, stream, output, residual, mean, rstd, a, b, gamma, beta, N, C, epsilon,
              mask);
}

void layernorm_backward(bn_context* context, float* dinput, float* dgamma, float* dbeta, const float* doutput, const float* input,
                        const float* gamma, const float* mean, const float* rstd, int N, int C, cudaStream_t stream) {
    if (N == 0 || C == 0) return;
    column_sums<2>(context, ColumnOutputs<2>{{dgamma, dbeta}}, N, C, ParamTerm{doutput, input, mean, rstd, C}, stream);
    BN_LAUNCH(layernorm_input_backward_kernel, warp_blocks(N), 256, 0, stream, dinput, doutput, input, gamma, mean, rstd, N, C);
}

}  // namespace bn

extern "C" {

int bn_layernorm_forward(float* output, float* mean, float* rstd, const float* input, const float* gamma, const float* beta,
                         int N, int C, float epsilon, void* stream) {
    return bn::guard_op("bn_layernorm_forward", [&] {
        bn::require(output && mean && rstd && input && gamma && beta, "layernorm forward pointers");
        bn::require(N >= 0 && C > 0, "layernorm forward sizes");
        bn::layernorm_forward(output, nullptr, mean, rstd, input, nullptr, gamma, beta, N, C, epsilon, bn::make_mask(0.0f, 0, 0, 1.0f),
                              bn::as_stream(stream));
    });
}

int bn_residual_layernorm_forward(float* output, float* residual, float* mean, float* rstd, const float* a, const float* b,
                                  const float* gamma, const float* beta, int N, int C, float epsilon, float dropout_p,
                                  uint64_t dropout_key, uint32_t dropout_threshold, float dropout_scale, void* stream) {
    return bn::guard_op("bn_residual_layernorm_forward", [&] {
        bn::require(output && residual && mean && rstd && a && b && gamma && beta, "residual layernorm forward pointers");
        bn::require(N >= 0 && C > 0, "residual layernorm forward sizes");
        bn::layernorm_forward(output, residual, mean, rstd, a, b, gamma, beta, N, C, epsilon,
                              bn::make_mask(dropout_p, dropout_key, dropout_threshold, dropout_scale), bn::as_stream(stream));
    });
}

int bn_layernorm_backward(bn_context* context, float* dinput, float* dgamma, float* dbeta, const float* doutput, const float* input,
                          const float* gamma, const float* mean, const float* rstd, int N, int C, void* stream) {
    return bn::guard_op("bn_layernorm_backward", [&] {
        bn::require(context && dinput && dgamma && dbeta && doutput && input && gamma && mean && rstd, "layernorm backward pointers");
        bn::require(N >= 0 && C >= 0, "layernorm backward sizes");
        bn::layernorm_backward(context, dinput, dgamma, dbeta, doutput, input, gamma, mean, rstd, N, C, bn::as_stream(stream));
    });
}

}  // extern "C"
