// Drives the cuBLASLt stand-in the way native/kernels/gemm.cu does (row-major strided-batched
// GEMM read as its column-major transpose, alignment preferences from the pointers, in place
// C == D) on the current simulated device's legacy stream, and the naive row-major reference the
// results are compared with.
#pragma once

#include <cublasLt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lt_test {

// Row-major C[M,N] = op(A) op(B) (+ beta C) (+ bias[N] per row), as bn::Gemm.
struct RowGemm {
    bool trans_a = false, trans_b = false;
    int M = 0, N = 0, K = 0;
    int64_t lda = 0, stride_a = 0, ldb = 0, stride_b = 0, ldc = 0, stride_c = 0;
    int batch = 1;
    float beta = 0.0f;
};

// Elements each operand spans (all batch items), row-major as stored.
int64_t span_a(const RowGemm& g);
int64_t span_b(const RowGemm& g);
int64_t span_c(const RowGemm& g);

// Knobs for the cases gemm.cu never produces.
struct Options {
    cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
    bool set_alignments = true;         // as gemm.cu: alignment_of each pointer, ld and stride
    uint32_t alignment[4] = {};         // used when set_alignments is false and nonzero
    uint64_t max_workspace = 32u << 20;
    void* workspace = nullptr;          // null: the driver's own device workspace (cudaMalloc)
    size_t workspace_bytes = 32u << 20;
    bool null_algo = false;             // pass algo = nullptr to cublasLtMatmul
    const float* heuristic_bias = nullptr;  // bias set before the heuristic (gemm.cu: the call's)
};

struct Outcome {
    cublasStatus_t heuristic = CUBLAS_STATUS_SUCCESS;
    int found = 0;
    cublasStatus_t matmul = CUBLAS_STATUS_SUCCESS;
    bool ran = false;  // cublasLtMatmul was called
};

// Describes, asks the heuristic, and (when found) queues cublasLtMatmul with C == D on the legacy
// stream: the result is there once the stream runs (cudaMemcpy back, or a synchronize).
Outcome run_row_major(cublasLtHandle_t handle, const RowGemm& g, const float* A, const float* B, float* C,
                      const float* bias, const Options& options = Options());

// The expected C (host), from A, B, the old C and the bias, in double, rounded once.
std::vector<float> naive(const RowGemm& g, const std::vector<float>& A, const std::vector<float>& B,
                         const std::vector<float>& C, const float* bias, bool tf32 = false);

uint32_t alignment_of(const void* pointer, int64_t ld = 0, int64_t stride = 0);

}  // namespace lt_test
