// The bn_context behind the C ABI's opaque handle, and the one GEMM wrapper every op uses.
#pragma once

#include <array>
#include <cstddef>
#include <unordered_map>

#include "common.cuh"

namespace bn {

// Everything cuBLASLt's heuristic looks at for one GEMM (see bn::gemm): shapes, strides,
// epilogue, beta != 0, and operand alignments.
using GemmKey = std::array<int64_t, 17>;

struct GemmKeyHash {
    size_t operator()(const GemmKey& key) const {
        uint64_t hash = 0x9E3779B97F4A7C15ull;
        for (int64_t value : key) hash = mix64(hash ^ static_cast<uint64_t>(value));
        return static_cast<size_t>(hash);
    }
};

// The cuBLASLt descriptors of one GEMM shape and the heuristic's algorithm for it, made once and
// reused: found == false records that cuBLASLt has no algorithm (a miss is not asked again).
struct GemmPlan {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulAlgo_t algorithm{};
    bool found = false;
};

}  // namespace bn

struct bn_context {
    cublasLtHandle_t lt = nullptr;
    cublasComputeType_t compute = CUBLAS_COMPUTE_32F;  // or CUBLAS_COMPUTE_32F_FAST_TF32 (BN_PRECISION_TF32)
    void* workspace = nullptr;  // cuBLASLt workspace
    size_t workspace_bytes = 0;
    void* scratch = nullptr;    // per-op temporaries (attention's head-major copies, reduction partials)
    size_t scratch_bytes = 0;
    int multiprocessors = 1;    // of the device, to size the column reductions' grids
    std::unordered_map<bn::GemmKey, bn::GemmPlan, bn::GemmKeyHash> plans;
};

namespace bn {

// At least `bytes` of scratch. Grows with cudaMalloc (after a cudaFree, which synchronizes the
// device, so ops still using the old block have finished): only the first step allocates.
// Running out of memory throws BN_ERR_OUT_OF_MEMORY.
void* scratch(bn_context* context, size_t bytes);

// Row-major, strided-batched: C[M,N] = op(A)[M,K] op(B)[K,N] (+ beta C) (+ bias[N] per row),
// where op(X) = X^T when the flag is set. lda/ldb/ldc are row strides as stored; strides are
// element offsets between batch items. The context's precision (FP32 by default, which matches
// the cpu reference; TF32 on request).
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

// Destroys the cached descriptors (bn_context_destroy).
void release_plans(bn_context* context);

}  // namespace bn
