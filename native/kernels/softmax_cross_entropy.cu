// Fused softmax + cross-entropy, one block per logits row (llm.c's fused_classifier idea):
//   losses[i] = logsumexp(logits[i]) - logits[i, labels[i]]   (unweighted)
//   dlogits[i,:] (=) = (softmax(logits[i]) - onehot(labels[i])) * weights[i] * grad_scale
// One read for the max and sum (online softmax), one read + write for dlogits, which may alias
// logits: each element is read by the thread that overwrites it, after the row's reduction.
// A label outside [0, C) gives a NaN loss rather than an out-of-bounds read.
#include <cmath>

#include "common.cuh"

namespace bn {
namespace {

constexpr int kThreads = 512;

// Running (max, sum of exp(x - max)) pairs, merged without overflow.
__device__ void merge(float& max_a, float& sum_a, float max_b, float sum_b) {
    float max_ab = fmaxf(max_a, max_b);
    if (max_ab == -INFINITY) return;
    sum_a = sum_a * expf(max_a - max_ab) + sum_b * expf(max_b - max_ab);
    max_a = max_ab;
}

__global__ void softmax_cross_entropy_kernel(float* losses, float* dlogits, const float* logits, const int* labels,
                                             const float* weights, float grad_scale, int C) {
    __shared__ float shared_max[kThreads / kWarp];
    __shared__ float shared_sum[kThreads / kWarp];
    int64_t row = blockIdx.x;
    const float* x = logits + row * C;
    int label = labels[row];
    bool label_ok = label >= 0 && label < C;
    float label_logit = label_ok && threadIdx.x == 0 ? x[label] : 0.0f;  // read before dlogits may overwrite it

    float max_value = -INFINITY, sum = 0.0f;
    for (int c = threadIdx.x; c < C; c += kThreads) merge(max_value, sum, x[c], 1.0f);
    for (int offset = 16; offset > 0; offset >>= 1) {
        float other_max = __shfl_xor_sync(0xffffffffu, max_value, offset);
        float other_sum = __shfl_xor_sync(0xffffffffu, sum, offset);
        merge(max_value, sum, other_max, other_sum);
    }
    int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
    if (lane == 0) {
        shared_max[warp] = max_value;
        shared_sum[warp] = sum;
    }
    __syncthreads();
    max_value = shared_max[0];
    sum = shared_sum[0];
    for (int w = 1; w < kThreads / kWarp; w++) merge(max_value, sum, shared_max[w], shared_sum[w]);

    if (threadIdx.x == 0) losses[row] = label_ok ? logf(sum) + max_value - label_logit : NAN;
    if (!dlogits) return;
    float factor = (weights ? weights[row] : 1.0f) * grad_scale;
    float inv_sum = 1.0f / sum;
    float* d = dlogits + row * C;
    for (int c = threadIdx.x; c < C; c += kThreads) {
        float p = expf(x[c] - max_value) * inv_sum;
        d[c] = (p - (c == label ? 1.0f : 0.0f)) * factor;
    }
}

}  // namespace

void softmax_cross_entropy(float* losses, float* dlogits, const float* logits, const int* labels, const float* weights,
                           float grad_scale, int N, int C, cudaStream_t stream) {
    if (N == 0) return;
    BN_LAUNCH(softmax_cross_entropy_kernel, N, kThreads, 0, stream, losses, dlogits, logits, labels, weights, grad_scale, C);
}

}  // namespace bn

extern "C" {

int bn_softmax_cross_entropy(float* losses, float* dlogits, const float* logits, const int* labels, const float* weights,
                             float grad_scale, int N, int C, void* stream) {
    return bn::guard_op("bn_softmax_cross_entropy", [&] {
        bn::require(losses && logits && labels && N >= 0 && C > 0, "softmax cross-entropy arguments");
        bn::softmax_cross_entropy(losses, dlogits, logits, labels, weights, grad_scale, N, C, bn::as_stream(stream));
    });
}

}  // extern "C"
