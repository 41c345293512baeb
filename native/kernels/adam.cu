// AdamW over a contiguous parameter buffer in one launch (PyTorch's torch.optim.AdamW: decoupled
// weight decay; the gradient scaled first for global-norm clipping; bias corrections 1 - beta^t come from the host):
//   g = scale grad; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2
//   p -= lr * (wd p + (m / bc1) / (sqrt(v / bc2) + eps))
#include <cmath>

#include "common.cuh"

namespace bn {
namespace {

__global__ void adam_kernel(float* parameters, const float* gradients, float* m, float* v, int64_t n, float learning_rate,
                            float beta1, float beta2, float epsilon, float weight_decay, float gradient_scale,
                            float correction1, float correction2) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        float p = parameters[i];
        float g = gradients[i] * gradient_scale;
        float m_i = beta1 * m[i] + (1.0f - beta1) * g;
        float v_i = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = m_i;
        v[i] = v_i;
        parameters[i] = p - learning_rate * fmaf(p, weight_decay, (m_i / correction1) / (sqrtf(v_i / correction2) + epsilon));
    }
}

}  // namespace

void adam_step(float* parameters, const float* gradients, float* m, float* v, int64_t n, float learning_rate, float beta1,
               float beta2, float epsilon, float weight_decay, float gradient_scale, int t, cudaStream_t stream) {
    if (n == 0) return;
    auto correction1 = static_cast<float>(1.0 - std::pow(static_cast<double>(beta1), t));
    auto correction2 = static_cast<float>(1.0 - std::pow(static_cast<double>(beta2), t));
    BN_LAUNCH(adam_kernel, blocks_for(n, 256), 256, 0, stream, parameters, gradients, m, v, n, learning_rate, beta1, beta2, epsilon,
              weight_decay, gradient_scale, correction1, correction2);
}

}  // namespace bn

extern "C" {

int bn_adam_step(float* parameters, const float* gradients, float* m, float* v, int64_t n, float learning_rate, float beta1,
                 float beta2, float epsilon, float weight_decay, float gradient_scale, int t, void* stream) {
    return bn::guard_op("bn_adam_step", [&] {
        bn::require(parameters && gradients && m && v && n >= 0 && t >= 1, "adam arguments (t starts at 1)");
        bn::adam_step(parameters, gradients, m, v, n, learning_rate, beta1, beta2, epsilon, weight_decay, gradient_scale, t,
                      bn::as_stream(stream));
    });
}

}  // extern "C"
