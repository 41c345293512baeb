// Multi-head self-attention core, reading Q, K, V straight from qkv[B,T,3H] (row stride 3H):
//   forward   probs[b,h] = softmax(mask(Q K^T / sqrt(d)))   (keys j >= valid_lens[b] set to -1e6)
//             output[b,:,h*d:(h+1)*d] = dropout(probs[b,h]) V
//   backward  dqkv (=, activation gradient) from doutput, probs and the same dropout mask.
// GEMMs are cuBLASLt strided batches over the heads (stride d inside a row of qkv), repeated
// for each b (the batch stride T*3H is not a multiple of the head stride). Dropout element
// index = ((b*heads + h)*T + i)*T + j, the index of the element in probs.
#include <cmath>

#include "context.cuh"

namespace bn {
namespace {

constexpr float kMasked = -1e6f;

// One warp per row (b, h, i) of probs, which holds the raw scores Q K^T on entry.
// Writes probs; when dropout is on, also dropped = probs * mask (the GEMM operand).
__global__ void masked_softmax_kernel(float* probs, float* dropped, const int* valid_lens, int64_t rows, int heads,
                                      int T, float scale, DropoutMask mask) {
    int64_t row = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
    int lane = threadIdx.x % kWarp;
    if (row >= rows) return;
    int valid = valid_lens[row / (static_cast<int64_t>(heads) * T)];
    float* p = probs + row * T;

    float max_score = -INFINITY;
    for (int j = lane; j < T; j += kWarp) max_score = fmaxf(max_score, j < valid ? p[j] * scale : kMasked);
    max_score = warp_max(max_score);
    float sum = 0.0f;
    for (int j = lane; j < T; j += kWarp) sum += expf((j < valid ? p[j] * scale : kMasked) - max_score);
    float inv_sum = 1.0f / warp_sum(sum);
    for (int j = lane; j < T; j += kWarp) {
        float value = expf((j < valid ? p[j] * scale : kMasked) - max_score) * inv_sum;
        p[j] = value;
        if (dropped) dropped[row * T + j] = value * mask.factor(row * T + j);
    }
}

// dropped = probs * mask, for backward's dV = dropped^T doutput.
__global__ void apply_mask_kernel(float* dropped, const float* probs, int64_t total, DropoutMask mask) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        dropped[i] = probs[i] * mask.factor(i);
}

// One warp per row: on entry grad holds d(dropped probs); on exit d(scores before scaling),
// i.e. scale * P (dP - sum_j P dP) with dP = grad * mask; masked keys get 0 (their score is a constant).
__global__ void softmax_backward_kernel(float* grad, const float* probs, const int* valid_lens, int64_t rows, int heads,
                                        int T, float scale, DropoutMask mask) {
    int64_t row = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
    int lane = threadIdx.x % kWarp;
    if (row >= rows) return;
    int valid = valid_lens[row / (static_cast<int64_t>(heads) * T)];
    float* g = grad + row * T;
    const float* p = probs + row * T;

    float dot = 0.0f;
    for (int j = lane; j < T; j += kWarp) dot += p[j] * g[j] * mask.factor(row * T + j);
    dot = warp_sum(dot);
    for (int j = lane; j < T; j += kWarp) {
        float dp = g[j] * mask.factor(row * T + j);
        g[j] = j < valid ? scale * p[j] * (dp - dot) : 0.0f;
    }
}

struct Shape {
    int B, T, H, heads, d;
    int64_t row3() const { return 3LL * H; }                 // row stride of qkv
    int64_t qkv_batch() const { return static_cast<int64_t>(T) * 3 * H; }
    int64_t out_batch() const { return static_cast<int64_t>(T) * H; }
    int64_t probs_head() const { return static_cast<int64_t>(T) * T; }
    int64_t probs_batch() const { return static_cast<int64_t>(heads) * T * T; }
};

// C[b,h] (T x n) = op(A[b,h]) op(B[b,h]) for every b, h.
Gemm head_gemm(const Shape& s, bool trans_a, bool trans_b, int M, int N, int K,
               const float* A, int64_t lda, int64_t stride_a, int64_t outer_a,
               const float* B, int64_t ldb, int64_t stride_b, int64_t outer_b,
               float* C, int64_t ldc, int64_t stride_c, int64_t outer_c) {
    Gemm g;
    g.trans_a = trans_a; g.trans_b = trans_b;
    g.M = M; g.N = N; g.K = K;
    g.A = A; g.lda = lda; g.stride_a = stride_a; g.outer_stride_a = outer_a;
    g.B = B; g.ldb = ldb; g.stride_b = stride_b; g.outer_stride_b = outer_b;
    g.C = C; g.ldc = ldc; g.stride_c = stride_c; g.outer_stride_c = outer_c;
    g.batch = s.heads;
    g.outer = s.B;
    return g;
}

unsigned int warp_blocks(int64_t rows) { return static_cast<unsigned int>((rows * kWarp + 255) / 256); }

}  // namespace

void attention_forward(bn_context* context, float* output, float* probs, const float* qkv, const int* valid_lens,
                       int B, int T, int H, int heads, DropoutMask mask, cudaStream_t stream) {
    Shape s{B, T, H, heads, H / heads};
    const float* q = qkv;
    const float* k = qkv + H;
    const float* v = qkv + 2 * H;
    int64_t rows = static_cast<int64_t>(B) * heads * T;

    // scores[b,h] (T x T) = Q K^T, unscaled: the softmax kernel scales and masks.
    gemm(context, head_gemm(s, false, true, T, T, s.d, q, s.row3(), s.d, s.qkv_batch(), k, s.row3(), s.d, s.qkv_batch(),
                            probs, T, s.probs_head(), s.probs_batch()), stream);

    float* dropped = mask.active ? static_cast<float*>(scratch(context, rows * T * sizeof(float))) : nullptr;
    float scale = 1.0f / sqrtf(static_cast<float>(s.d));
    masked_softmax_kernel<<<warp_blocks(rows), 256, 0, stream>>>(probs, dropped, valid_lens, rows, heads, T, scale, mask);

    // output[b, :, h*d:(h+1)*d] = dropout(probs[b,h]) V
    const float* weights = dropped ? dropped : probs;
    gemm(context, head_gemm(s, false, false, T, s.d, T, weights, T, s.probs_head(), s.probs_batch(), v, s.row3(), s.d,
                            s.qkv_batch(), output, H, s.d, s.out_batch()), stream);
}

void attention_backward(bn_context* context, float* dqkv, const float* doutput, const float* qkv, const float* probs,
                        const int* valid_lens, int B, int T, int H, int heads, DropoutMask mask, cudaStream_t stream) {
    Shape s{B, T, H, heads, H / heads};
    const float* q = qkv;
    const float* k = qkv + H;
    const float* v = qkv + 2 * H;
    float* dq = dqkv;
    float* dk = dqkv + H;
    float* dv = dqkv + 2 * H;
    int64_t rows = static_cast<int64_t>(B) * heads * T;
    auto* work = static_cast<float*>(scratch(context, rows * T * sizeof(float)));

    // dV = dropout(P)^T dO
    const float* weights = probs;
    if (mask.active) {
        apply_mask_kernel<<<blocks_for(rows * T, 256), 256, 0, stream>>>(work, probs, rows * T, mask);
        weights = work;
    }
    gemm(context, head_gemm(s, true, false, T, s.d, T, weights, T, s.probs_head(), s.probs_batch(), doutput, H, s.d,
                            s.out_batch(), dv, s.row3(), s.d, s.qkv_batch()), stream);

    // d(dropped P) = dO V^T, then through dropout, softmax and the 1/sqrt(d) scale, in place.
    gemm(context, head_gemm(s, false, true, T, T, s.d, doutput, H, s.d, s.out_batch(), v, s.row3(), s.d, s.qkv_batch(),
                            work, T, s.probs_head(), s.probs_batch()), stream);
    float scale = 1.0f / sqrtf(static_cast<float>(s.d));
    softmax_backward_kernel<<<warp_blocks(rows), 256, 0, stream>>>(work, probs, valid_lens, rows, heads, T, scale, mask);

    // dQ = dS K, dK = dS^T Q
    gemm(context, head_gemm(s, false, false, T, s.d, T, work, T, s.probs_head(), s.probs_batch(), k, s.row3(), s.d,
                            s.qkv_batch(), dq, s.row3(), s.d, s.qkv_batch()), stream);
    gemm(context, head_gemm(s, true, false, T, s.d, T, work, T, s.probs_head(), s.probs_batch(), q, s.row3(), s.d,
                            s.qkv_batch(), dk, s.row3(), s.d, s.qkv_batch()), stream);
}

}  // namespace bn

namespace {

void check_attention(const void* a, const void* b, const void* c, const void* d, int B, int T, int H, int heads) {
    bn::require(a && b && c && d, "attention pointers");
    bn::require(B >= 0 && T >= 0 && H >= 0 && heads > 0 && H % heads == 0, "attention sizes (H must be a multiple of heads)");
}

}  // namespace

extern "C" {

int bn_attention_forward(bn_context* context, float* output, float* probs, const float* qkv, const int* valid_lens,
                         int B, int T, int H, int heads, float dropout_p, uint64_t dropout_key,
                         uint32_t dropout_threshold, float dropout_scale, void* stream) {
    return bn::guard_op("bn_attention_forward", [&] {
        check_attention(output, probs, qkv, valid_lens, B, T, H, heads);
        if (B == 0 || T == 0) return;
        bn::attention_forward(context, output, probs, qkv, valid_lens, B, T, H, heads,
                              bn::make_mask(dropout_p, dropout_key, dropout_threshold, dropout_scale), bn::as_stream(stream));
    });
}

int bn_attention_backward(bn_context* context, float* dqkv, const float* doutput, const float* qkv, const float* probs,
                          const int* valid_lens, int B, int T, int H, int heads, float dropout_p, uint64_t dropout_key,
                          uint32_t dropout_threshold, float dropout_scale, void* stream) {
    return bn::guard_op("bn_attention_backward", [&] {
        check_attention(dqkv, doutput, qkv, probs, B, T, H, heads);
        bn::require(valid_lens, "attention valid_lens");
        if (B == 0 || T == 0) return;
        bn::attention_backward(context, dqkv, doutput, qkv, probs, valid_lens, B, T, H, heads,
                               bn::make_mask(dropout_p, dropout_key, dropout_threshold, dropout_scale), bn::as_stream(stream));
    });
}

}  // extern "C"
