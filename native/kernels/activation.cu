// Elementwise nonlinearities (the Activation enum: 0 relu, 1 gelu with exact erf, 2 tanh):
//   forward   output = f(input), may run in place
//   backward  dinput (=) = doutput * f'(x); f' reads input (relu, gelu) or output (tanh);
//             dinput may alias doutput (each element is read before it is written).
#include "common.cuh"

namespace bn {
namespace {

enum Kind { kRelu = 0, kGelu = 1, kTanh = 2 };

constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;

template <int kind>
__device__ float apply(float x) {
    if (kind == kRelu) return x > 0.0f ? x : 0.0f;
    if (kind == kGelu) return 0.5f * x * (1.0f + erff(x * kInvSqrt2));
    return tanhf(x);
}

// f'(x), given the input x and the output y = f(x)
template <int kind>
__device__ float derivative(float x, float y) {
    if (kind == kRelu) return x > 0.0f ? 1.0f : 0.0f;
    if (kind == kGelu) return 0.5f * (1.0f + erff(x * kInvSqrt2)) + x * kInvSqrt2Pi * expf(-0.5f * x * x);
    return 1.0f - y * y;
}

template <int kind>
__global__ void activation_forward_kernel(float* output, const float* input, int64_t n) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        output[i] = apply<kind>(input[i]);
}

// tanh reads output only and relu/gelu input only, so the unused one may be null.
template <int kind>
__global__ void activation_backward_kernel(float* dinput, const float* doutput, const float* input, const float* output,
                                           int64_t n) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        float x = kind == kTanh ? 0.0f : input[i];
        float y = kind == kTanh ? output[i] : 0.0f;
        dinput[i] = doutput[i] * derivative<kind>(x, y);
    }
}

}  // namespace

void activation_forward(int kind, float* output, const float* input, int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    unsigned int blocks = blocks_for(n, 256);
    switch (kind) {
        case kRelu: BN_LAUNCH(activation_forward_kernel<kRelu>, blocks, 256, 0, stream, output, input, n); break;
        case kGelu: BN_LAUNCH(activation_forward_kernel<kGelu>, blocks, 256, 0, stream, output, input, n); break;
        case kTanh: BN_LAUNCH(activation_forward_kernel<kTanh>, blocks, 256, 0, stream, output, input, n); break;
        default: require(false, "activation kind");
    }
}

void activation_backward(int kind, float* dinput, const float* doutput, const float* input, const float* output, int64_t n,
                         cudaStream_t stream) {
    if (n == 0) return;
    unsigned int blocks = blocks_for(n, 256);
    switch (kind) {
        case kRelu: BN_LAUNCH(activation_backward_kernel<kRelu>, blocks, 256, 0, stream, dinput, doutput, input, output, n); break;
        case kGelu: BN_LAUNCH(activation_backward_kernel<kGelu>, blocks, 256, 0, stream, dinput, doutput, input, output, n); break;
        case kTanh: BN_LAUNCH(activation_backward_kernel<kTanh>, blocks, 256, 0, stream, dinput, doutput, input, output, n); break;
        default: require(false, "activation kind");
    }
}

}  // namespace bn

extern "C" {

int bn_activation_forward(int activation, float* output, const float* input, int64_t n, void* stream) {
    return bn::guard_op("bn_activation_forward", [&] {
        bn::require(output && input && n >= 0, "activation forward arguments");
        bn::activation_forward(activation, output, input, n, bn::as_stream(stream));
    });
}

int bn_activation_backward(int activation, float* dinput, const float* doutput, const float* input, const float* output,
                           int64_t n, void* stream) {
    return bn::guard_op("bn_activation_backward", [&] {
        bn::require(dinput && doutput && n >= 0, "activation backward arguments");
        bn::require(activation == 2 ? output != nullptr : input != nullptr, "activation backward needs input (relu, gelu) or output (tanh)");
        bn::activation_backward(activation, dinput, doutput, input, output, n, bn::as_stream(stream));
    });
}

}  // extern "C"
