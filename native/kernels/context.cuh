// The bn_context behind the C ABI's opaque handle, and the one GEMM wrapper every op uses.
#pragma once

#include <array>
#include <utility>
#include <vector>

#include "common.cuh"

namespace bn {
// Everything cuBLASLt's heuristic looks at for one GEMM (see bn::gemm): shapes, strides,
// epilogue, beta != 0, and operand alignments.
using GemmKey = std::array<int64_t, 17>;
}  // namespace bn

struct bn_context {
    cublasLtHandle_t lt = nullptr;
    void* workspace = nullptr;  // cuBLASLt workspace
    size_t workspace_bytes = 0;
    void* scratch = nullptr;    // per-op temporaries (attention's dropped probs, reduction partials)
    size_t scratch_bytes = 0;
    // The heuristic's pick per GEMM shape, queried once rather than on every call. A model has
    // a few dozen shapes, so a linear search is enough (and std::map trips nvcc 11.8 + clang 14).
    std::vector<std::pair<bn::GemmKey, cublasLtMatmulAlgo_t>> algorithms;
};

namespace bn {

// At least `bytes` of scratch. Grows with cudaMalloc (after a cudaFree, which synchronizes the
// device, so ops still using the old block have finished): only the first step allocates.
void* scratch(bn_context* context, size_t bytes);

// Row-major, strided-batched: C[M,N] = op(A)[M,K] op(B)[K,N] (+ beta C) (+ bias[N] per row),
// where op(X) = X^T when the flag is set. lda/ldb/ldc are row strides as stored; strides are
// element offsets between batch items. FP32 compute throughout (matches the cpu reference).
struct Gemm {
    bool trans_a = false, trans_b = false;
    int M = 0, N = 0, K = 0;
    const float* A = nullptr; int64_t lda = 0, stride_a = 0;
    const float* B = nullptr; int64_t ldb = 0, stride_b = 0;
    float* C = nullptr; int64_t ldc = 0, stride_c = 0;
    int batch = 1;
    float beta = 0.0f;
    const float* bias = nullptr;  // beta must be 0 when set
};

void gemm(bn_context* context, const Gemm& g, cudaStream_t stream);

}  // namespace bn
