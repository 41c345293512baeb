// Reductions whose result stays on the device (no sync inside a training step):
//   weighted sum   result[0] = sum_i values[i] * weights[i]   (weights null = 1)
//   sum of squares result[0] = sum_i values[i]^2
// Two deterministic passes accumulating in double: fixed-size per-block partials in the
// context's scratch, then one block adds them and writes the float result.
#include "context.cuh"

namespace bn {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxBlocks = 1024;

enum Mode { kWeighted = 0, kSquares = 1 };

__device__ double block_sum(double value, double* shared) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
    int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
    if (lane == 0) shared[warp] = value;
    __syncthreads();
    double total = 0.0;
    if (threadIdx.x == 0)
        for (int w = 0; w < static_cast<int>(blockDim.x / kWarp); w++) total += shared[w];
    return total;  // valid in thread 0
}

template <int mode>
__global__ void partial_sums_kernel(double* partials, const float* values, const float* weights, int64_t n) {
    __shared__ double shared[kThreads / kWarp];
    double sum = 0.0;
    for (int64_t i = blockIdx.x * static_cast<int64_t>(kThreads) + threadIdx.x; i < n; i += static_cast<int64_t>(gridDim.x) * kThreads) {
        double x = values[i];
        sum += mode == kSquares ? x * x : x * (weights ? static_cast<double>(weights[i]) : 1.0);
    }
    double total = block_sum(sum, shared);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

__global__ void final_sum_kernel(float* result, const double* partials, int count) {
    __shared__ double shared[kThreads / kWarp];
    double sum = 0.0;
    for (int i = threadIdx.x; i < count; i += kThreads) sum += partials[i];
    double total = block_sum(sum, shared);
    if (threadIdx.x == 0) result[0] = static_cast<float>(total);
}

template <int mode>
void reduce(bn_context* context, float* result, const float* values, const float* weights, int64_t n, cudaStream_t stream) {
    int64_t wanted = (n + kThreads - 1) / kThreads;
    int blocks = static_cast<int>(wanted < 1 ? 1 : wanted > kMaxBlocks ? kMaxBlocks : wanted);
    auto* partials = static_cast<double*>(scratch(context, kMaxBlocks * sizeof(double)));
    BN_LAUNCH(partial_sums_kernel<mode>, blocks, kThreads, 0, stream, partials, values, weights, n);
    BN_LAUNCH(final_sum_kernel, 1, kThreads, 0, stream, result, partials, blocks);
}

}  // namespace
}  // namespace bn

extern "C" {

int bn_weighted_sum(bn_context* context, float* result, const float* values, const float* weights, int64_t n, void* stream) {
    return bn::guard_op("bn_weighted_sum", [&] {
        bn::require(context && result && values && n >= 0, "weighted sum arguments");
        bn::reduce<bn::kWeighted>(context, result, values, weights, n, bn::as_stream(stream));
    });
}

int bn_sum_of_squares(bn_context* context, float* result, const float* values, int64_t n, void* stream) {
    return bn::guard_op("bn_sum_of_squares", [&] {
        bn::require(context && result && values && n >= 0, "sum of squares arguments");
        bn::reduce<bn::kSquares>(context, result, values, nullptr, n, bn::as_stream(stream));
    });
}

}  // extern "C"
