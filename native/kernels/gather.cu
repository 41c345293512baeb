// Row gather (MLM positions, the <cls> row): output[b,p,:] = input[b, positions[b,p], :].
// Backward scatter-adds: dinput[b, positions[b,p], :] += doutput[b,p,:] with atomicAdd
// (positions may repeat; the caller zeroes dinput).
#include "common.cuh"

namespace bn {
namespace {

__global__ void gather_forward_kernel(float* output, const float* input, const int* positions, int T, int P, int C,
                                      int64_t total) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        int64_t slot = i / C;  // b * P + p
        int64_t b = slot / P;
        output[i] = input[(b * T + positions[slot]) * C + i % C];
    }
}

__global__ void gather_backward_kernel(float* dinput, const float* doutput, const int* positions, int T, int P, int C,
                                       int64_t total) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        int64_t slot = i / C;
        int64_t b = slot / P;
        atomicAdd(&dinput[(b * T + positions[slot]) * C + i % C], doutput[i]);
    }
}

}  // namespace

void gather_forward(float* output, const float* input, const int* positions, int B, int T, int P, int C, cudaStream_t stream) {
    int64_t total = static_cast<int64_t>(B) * P * C;
    if (total == 0) return;
    BN_LAUNCH(gather_forward_kernel, blocks_for(total, 256), 256, 0, stream, output, input, positions, T, P, C, total);
}

void gather_backward(float* dinput, const float* doutput, const int* positions, int B, int T, int P, int C, cudaStream_t stream) {
    int64_t total = static_cast<int64_t>(B) * P * C;
    if (total == 0) return;
    BN_LAUNCH(gather_backward_kernel, blocks_for(total, 256), 256, 0, stream, dinput, doutput, positions, T, P, C, total);
}

}  // namespace bn

extern "C" {

int bn_gather_forward(float* output, const float* input, const int* positions, int B, int T, int P, int C, void* stream) {
    return bn::guard_op("bn_gather_forward", [&] {
        bn::require(output && input && positions && B >= 0 && T >= 0 && P >= 0 && C >= 0, "gather forward arguments");
        bn::gather_forward(output, input, positions, B, T, P, C, bn::as_stream(stream));
    });
}

int bn_gather_backward(float* dinput, const float* doutput, const int* positions, int B, int T, int P, int C, void* stream) {
    return bn::guard_op("bn_gather_backward", [&] {
        bn::require(dinput && doutput && positions && B >= 0 && T >= 0 && P >= 0 && C >= 0, "gather backward arguments");
        bn::gather_backward(dinput, doutput, positions, B, T, P, C, bn::as_stream(stream));
    });
}

}  // extern "C"
