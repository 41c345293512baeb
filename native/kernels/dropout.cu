// Inverted dropout, both directions: output = keep(i) ? input * scale : 0 with the shared
// counter-based mask (common.cuh, = Dropout.cs), so backward recomputes the forward's mask.
// Activation gradients are written (=); may run in place; inactive dropout is a copy.
#include "common.cuh"

namespace bn {
namespace {

__global__ void dropout_kernel(float* output, const float* input, int64_t n, DropoutMask mask) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        output[i] = mask.apply(input[i], i);
}

}  // namespace

void dropout(float* output, const float* input, int64_t n, DropoutMask mask, cudaStream_t stream) {
    if (n == 0) return;
    if (!mask.active) {
        if (output != input) BN_CUDA(cudaMemcpyAsync(output, input, n * sizeof(float), cudaMemcpyDeviceToDevice, stream));
        return;
    }
    BN_LAUNCH(dropout_kernel, blocks_for(n, 256), 256, 0, stream, output, input, n, mask);
}

}  // namespace bn

extern "C" {

int bn_dropout(float* output, const float* input, int64_t n, float dropout_p, uint64_t dropout_key,
               uint32_t dropout_threshold, float dropout_scale, void* stream) {
    return bn::guard_op("bn_dropout", [&] {
        bn::require(output && input && n >= 0, "dropout arguments");
        bn::dropout(output, input, n, bn::make_mask(dropout_p, dropout_key, dropout_threshold, dropout_scale),
                    bn::as_stream(stream));
    });
}

}  // extern "C"
