// Multi-head self-attention core over qkv[B,T,3H] (Q, K, V of a token side by side):
//   forward   probs[b,h] = softmax(mask(Q K^T / sqrt(d)))   (keys j >= valid_lens[b], and with a key_mask
//             keys whose key_mask[b*T + j] is 0, set to -1e6: their probability is exactly 0)
//             output[b,:,h*d:(h+1)*d] = dropout(probs[b,h]) V
//   backward  dqkv (=, activation gradient) from doutput, probs and the same dropout mask.
// Q, K, V are first permuted to head-major [B*heads, T, d] in the context's scratch (llm.c's
// layout), so that every product is ONE strided-batched cuBLASLt call over the B*heads pairs;
// results are permuted back. Dropout element index = ((b*heads + h)*T + i)*T + j, the index
// of the element in probs.
#include <cmath>

#include "context.cuh"

namespace bn {
namespace {

constexpr float kMasked = -1e6f;

// One warp per row (b, h, i) of probs, which holds the raw scores Q K^T on entry.
// Writes probs; when dropout is on, also dropped = probs * mask (the GEMM operand).
// Padded queries (i >= valid) get a zero row, so their output is 0 and backward passes them no gradient.
// key_mask (nullable) is [B, T]: keys with 0 there score like keys past the valid length.
__global__ void masked_softmax_kernel(float* probs, float* dropped, const int* valid_lens, const int* key_mask, int64_t rows,
                                      int heads, int T, float scale, DropoutMask mask) {
    int64_t row = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) / kWarp;
    int lane = threadIdx.x % kWarp;
    if (row >= rows) return;
    int64_t b = row / (static_cast<int64_t>(heads) * T);
    int valid = valid_lens[b];
    const int* keys = key_mask ? key_mask + b * T : nullptr;
    auto score = [&](const float* p, int j) { return j < valid && (!keys || keys[j]) ? p[j] * scale : kMasked; };
    float* p = probs + row * T;
    if (row % T >= valid) {
        for (int j = lane; j < T; j += kWarp) {
            p[j] = 0.0f;
            if (dropped) dropped[row * T + j] = 0.0f;
        }
        return;
    }

    float max_score = -INFINITY;
    for (int j = lane; j < T; j += kWarp) max_score = fmaxf(max_score, score(p, j));
    max_score = warp_max(max_score);
    float sum = 0.0f;
    for (int j = lane; j < T; j += kWarp) sum += expf(score(p, j) - max_score);
    float inv_sum = 1.0f / warp_sum(sum);
    for (int j = lane; j < T; j += kWarp) {
        float value = expf(score(p, j) - max_score) * inv_sum;
        p[j] = value;
        if (dropped) dropped[row * T + j] = mask.apply(value, row * T + j);
    }
}

// dropped = probs * mask, for backward's dV = dropped^T doutput.
__global__ void apply_mask_kernel(float* dropped, const float* probs, int64_t total, DropoutMask mask) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        dropped[i] = mask.apply(probs[i], i);
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
    for (int j = lane; j < T; j += kWarp) dot += p[j] * mask.apply(g[j], row * T + j);
    dot = warp_sum(dot);
    for (int j = lane; j < T; j += kWarp) {
        float dp = mask.apply(g[j], row * T + j);
        g[j] = j < valid ? scale * p[j] * (dp - dot) : 0.0f;
    }
}

// The permutes index in 32 bits (integer division is the cost of these kernels): attention_forward
// and attention_backward check that every tensor they permute stays below this many elements,
// leaving room for the grid stride so that i += stride cannot overflow.
constexpr int64_t kMaxPermuteElements = (1ll << 31) - (1ll << 29);

// Where element i of the head-major layout [part][(b*heads + h)*T + t][c] lives in the token-major
// rows [B, T, parts*H] (parts = 3 for qkv, 1 for an attention output), and its token (b, t).
struct HeadMajorIndex {
    int source, b, t;
    __device__ HeadMajorIndex(int i, int per_part, int T, int heads, int d, int parts) {
        int part = i / per_part, r = i - part * per_part;
        int c = r % d, bh = r / (d * T), h = bh % heads;
        t = (r / d) % T;
        b = bh / heads;
        source = ((b * T + t) * parts + part) * heads * d + h * d + c;
    }
};

// Head-major copy of the `parts` blocks of H columns in each src row. Rows of padded tokens
// (t >= valid_lens[b]) are written as zeros: the batched GEMMs read them, and a NaN or inf there
// would reach valid outputs through 0 * NaN.
__global__ void to_heads_kernel(float* dst, const float* src, const int* valid_lens, int B, int T, int heads, int d, int parts) {
    int per_part = B * T * heads * d;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < per_part * parts; i += gridDim.x * blockDim.x) {
        HeadMajorIndex at(i, per_part, T, heads, d, parts);
        dst[i] = at.t < valid_lens[at.b] ? src[at.source] : 0.0f;
    }
}

// The inverse of to_heads_kernel (writes every element of dst).
__global__ void from_heads_kernel(float* dst, const float* src, int B, int T, int heads, int d, int parts) {
    int per_part = B * T * heads * d;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < per_part * parts; i += gridDim.x * blockDim.x)
        dst[HeadMajorIndex(i, per_part, T, heads, d, parts).source] = src[i];
}

// Row-major per pair: C[M,N] = op(A)[M,K] op(B)[K,N], all B*heads pairs in one call.
Gemm pair_gemm(int pairs, bool trans_a, bool trans_b, int M, int N, int K, const float* A, int64_t lda, int64_t stride_a,
               const float* B, int64_t ldb, int64_t stride_b, float* C, int64_t ldc, int64_t stride_c) {
    Gemm g;
    g.trans_a = trans_a; g.trans_b = trans_b;
    g.M = M; g.N = N; g.K = K;
    g.A = A; g.lda = lda; g.stride_a = stride_a;
    g.B = B; g.ldb = ldb; g.stride_b = stride_b;
    g.C = C; g.ldc = ldc; g.stride_c = stride_c;
    g.batch = pairs;
    return g;
}

unsigned int warp_blocks(int64_t rows) { return static_cast<unsigned int>((rows * kWarp + 255) / 256); }

}  // namespace

void attention_forward(bn_context* context, float* output, float* probs, const float* qkv, const int* valid_lens,
                       const int* key_mask, int B, int T, int H, int heads, DropoutMask mask, cudaStream_t stream) {
    int d = H / heads, pairs = B * heads;
    int64_t bth = static_cast<int64_t>(B) * T * H, td = static_cast<int64_t>(T) * d, tt = static_cast<int64_t>(T) * T;
    int64_t rows = static_cast<int64_t>(pairs) * T;

    // scratch: q, k, v head-major (3 BTH) | output head-major (BTH) | dropped probs (pairs T T, with dropout)
    auto* q = static_cast<float*>(scratch(context, (4 * bth + (mask.active ? rows * T : 0)) * sizeof(float)));
    float* k = q + bth;
    float* v = k + bth;
    float* out_heads = v + bth;
    float* dropped = mask.active ? out_heads + bth : nullptr;
    BN_LAUNCH(to_heads_kernel, blocks_for(3 * bth, 256), 256, 0, stream, q, qkv, valid_lens, B, T, heads, d, 3);

    // scores = Q K^T, unscaled: the softmax kernel scales and masks.
    gemm(context, pair_gemm(pairs, false, true, T, T, d, q, d, td, k, d, td, probs, T, tt), stream);
    float scale = 1.0f / sqrtf(static_cast<float>(d));
    BN_LAUNCH(masked_softmax_kernel, warp_blocks(rows), 256, 0, stream, probs, dropped, valid_lens, key_mask, rows, heads, T, scale, mask);

    // output = dropout(probs) V, then heads merged back into [B, T, H].
    gemm(context, pair_gemm(pairs, false, false, T, d, T, dropped ? dropped : probs, T, tt, v, d, td, out_heads, d, td), stream);
    BN_LAUNCH(from_heads_kernel, blocks_for(bth, 256), 256, 0, stream, output, out_heads, B, T, heads, d, 1);
}

void attention_backward(bn_context* context, float* dqkv, const float* doutput, const float* qkv, const float* probs,
                        const int* valid_lens, int B, int T, int H, int heads, DropoutMask mask, cudaStream_t stream) {
    int d = H / heads, pairs = B * heads;
    int64_t bth = static_cast<int64_t>(B) * T * H, td = static_cast<int64_t>(T) * d, tt = static_cast<int64_t>(T) * T;
    int64_t rows = static_cast<int64_t>(pairs) * T;

    // scratch: q, k, v (3 BTH) | dq, dk, dv (3 BTH) | doutput head-major (BTH) | work (pairs T T)
    auto* q = static_cast<float*>(scratch(context, (7 * bth + rows * T) * sizeof(float)));
    float* k = q + bth;
    float* v = k + bth;
    float* dq = v + bth;
    float* dk = dq + bth;
    float* dv = dk + bth;
    float* dout = dv + bth;
    float* work = dout + bth;
    BN_LAUNCH(to_heads_kernel, blocks_for(3 * bth, 256), 256, 0, stream, q, qkv, valid_lens, B, T, heads, d, 3);
    BN_LAUNCH(to_heads_kernel, blocks_for(bth, 256), 256, 0, stream, dout, doutput, valid_lens, B, T, heads, d, 1);

    // dV = dropout(P)^T dO
    const float* weights = probs;
    if (mask.active) {
        BN_LAUNCH(apply_mask_kernel, blocks_for(rows * T, 256), 256, 0, stream, work, probs, rows * T, mask);
        weights = work;
    }
    gemm(context, pair_gemm(pairs, true, false, T, d, T, weights, T, tt, dout, d, td, dv, d, td), stream);

    // d(dropped P) = dO V^T, then through dropout, softmax and the 1/sqrt(d) scale, in place.
    gemm(context, pair_gemm(pairs, false, true, T, T, d, dout, d, td, v, d, td, work, T, tt), stream);
    float scale = 1.0f / sqrtf(static_cast<float>(d));
    BN_LAUNCH(softmax_backward_kernel, warp_blocks(rows), 256, 0, stream, work, probs, valid_lens, rows, heads, T, scale, mask);

    // dQ = dS K, dK = dS^T Q, then all three back into dqkv [B, T, 3H].
    gemm(context, pair_gemm(pairs, false, false, T, d, T, work, T, tt, k, d, td, dq, d, td), stream);
    gemm(context, pair_gemm(pairs, true, false, T, d, T, work, T, tt, q, d, td, dk, d, td), stream);
    BN_LAUNCH(from_heads_kernel, blocks_for(3 * bth, 256), 256, 0, stream, dqkv, dq, B, T, heads, d, 3);
}

}  // namespace bn

namespace {

void check_attention(const void* a, const void* b, const void* c, const void* d, int B, int T, int H, int heads) {
    bn::require(a && b && c && d, "attention pointers");
    bn::require(B >= 0 && T >= 0 && H > 0 && heads > 0 && H % heads == 0, "attention sizes (H > 0, a multiple of heads)");
    bn::require(3ll * B * T * H < bn::kMaxPermuteElements, "attention sizes (B*T*3H must stay below 1.6e9 elements)");
}

}  // namespace

extern "C" {

int bn_attention_forward(bn_context* context, float* output, float* probs, const float* qkv, const int* valid_lens,
                         const int* key_mask, int B, int T, int H, int heads, float dropout_p, uint64_t dropout_key,
                         uint32_t dropout_threshold, float dropout_scale, void* stream) {
    return bn::guard_op("bn_attention_forward", [&] {
        check_attention(output, probs, qkv, valid_lens, B, T, H, heads);
        if (B == 0 || T == 0) return;
        bn::attention_forward(context, output, probs, qkv, valid_lens, key_mask, B, T, H, heads,
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
