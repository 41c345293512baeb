// See lt_driver.h. The mapping onto cuBLASLt follows native/kernels/gemm.cu (describe, plan_for,
// gemm) so that the tests exercise the layouts that file produces.
#include "lt_driver.h"

#include <cuda_runtime.h>

#include <cmath>
#include <cstring>

namespace lt_test {
namespace {

int64_t stored_rows(bool trans, int rows, int cols) { return trans ? cols : rows; }

}  // namespace

int64_t span_a(const RowGemm& g) {
    return (g.batch - 1) * g.stride_a + (stored_rows(g.trans_a, g.M, g.K) - 1) * g.lda + (g.trans_a ? g.M : g.K);
}
int64_t span_b(const RowGemm& g) {
    return (g.batch - 1) * g.stride_b + (stored_rows(g.trans_b, g.K, g.N) - 1) * g.ldb + (g.trans_b ? g.K : g.N);
}
int64_t span_c(const RowGemm& g) { return (g.batch - 1) * g.stride_c + (g.M - 1) * g.ldc + g.N; }

uint32_t alignment_of(const void* pointer, int64_t ld, int64_t stride) {
    uintptr_t bits = reinterpret_cast<uintptr_t>(pointer) | static_cast<uintptr_t>(ld * 4) |
                     static_cast<uintptr_t>(stride * 4);
    uint32_t alignment = 256;
    while (alignment > 4 && bits % alignment != 0) alignment >>= 1;
    return alignment;
}

namespace {

// One workspace for the whole process, as gemm.cu keeps one per context: allocated on first use
// (on the current device, filled with NaN like all fresh device memory) and never freed, so no
// cudaFree synchronizes behind the test's back. Null if the allocation fails.
void* shared_workspace(size_t bytes) {
    static void* workspace = nullptr;
    static size_t allocated = 0;
    if (bytes > allocated) {
        if (workspace) cudaFree(workspace);
        workspace = nullptr;
        allocated = 0;
        if (cudaMalloc(&workspace, bytes) != cudaSuccess) return nullptr;
        allocated = bytes;
    }
    return workspace;
}

cublasLtMatrixLayout_t layout(uint64_t rows, uint64_t cols, int64_t ld, int batch, int64_t stride) {
    cublasLtMatrixLayout_t created = nullptr;
    cublasLtMatrixLayoutCreate(&created, CUDA_R_32F, rows, cols, ld);
    if (batch > 1) {
        cublasLtMatrixLayoutSetAttribute(created, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch));
        cublasLtMatrixLayoutSetAttribute(created, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    }
    return created;
}

}  // namespace

Outcome run_row_major(cublasLtHandle_t handle, const RowGemm& g, const float* A, const float* B, float* C,
                      const float* bias, const Options& options) {
    Outcome outcome;
    // cuBLASLt's first operand is our B, its second our A; m = N, n = M.
    cublasOperation_t op_first = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op_second = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    uint64_t m = g.N, n = g.M, k = g.K;
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatmulDescCreate(&op, options.compute, CUDA_R_32F);
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof(op_first));
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof(op_second));
    if (bias) {
        cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
        cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
        const float* first = options.heuristic_bias ? options.heuristic_bias : bias;
        cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &first, sizeof(first));
    }
    cublasLtMatrixLayout_t a = layout(op_first == CUBLAS_OP_N ? m : k, op_first == CUBLAS_OP_N ? k : m, g.ldb, g.batch,
                                      g.stride_b);
    cublasLtMatrixLayout_t b = layout(op_second == CUBLAS_OP_N ? k : n, op_second == CUBLAS_OP_N ? n : k, g.lda,
                                      g.batch, g.stride_a);
    cublasLtMatrixLayout_t c = layout(m, n, g.ldc, g.batch, g.stride_c);

    cublasLtMatmulPreference_t preference = nullptr;
    cublasLtMatmulPreferenceCreate(&preference);
    cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &options.max_workspace,
                                         sizeof(options.max_workspace));
    uint32_t alignments[4] = {alignment_of(B, g.ldb, g.stride_b), alignment_of(A, g.lda, g.stride_a),
                              alignment_of(C, g.ldc, g.stride_c), alignment_of(C, g.ldc, g.stride_c)};
    const cublasLtMatmulPreferenceAttributes_t attributes[4] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (int i = 0; i < 4; i++) {
        uint32_t value = options.set_alignments ? alignments[i] : options.alignment[i];
        if (options.set_alignments || value != 0)
            cublasLtMatmulPreferenceSetAttribute(preference, attributes[i], &value, sizeof(value));
    }

    cublasLtMatmulHeuristicResult_t heuristic{};
    outcome.heuristic = cublasLtMatmulAlgoGetHeuristic(handle, op, a, b, c, c, preference, 1, &heuristic, &outcome.found);
    if (outcome.heuristic == CUBLAS_STATUS_SUCCESS && outcome.found > 0) {
        if (bias) cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
        void* workspace = options.workspace;
        if (!workspace && options.workspace_bytes > 0) workspace = shared_workspace(options.workspace_bytes);
        float alpha = 1.0f, beta = g.beta;
        outcome.matmul = cublasLtMatmul(handle, op, &alpha, B, a, A, b, &beta, C, c, C, c,
                                        options.null_algo ? nullptr : &heuristic.algo, workspace,
                                        options.workspace_bytes, nullptr);
        outcome.ran = true;
    }
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatrixLayoutDestroy(c);
    cublasLtMatrixLayoutDestroy(b);
    cublasLtMatrixLayoutDestroy(a);
    cublasLtMatmulDescDestroy(op);
    return outcome;
}

std::vector<float> naive(const RowGemm& g, const std::vector<float>& A, const std::vector<float>& B,
                         const std::vector<float>& C, const float* bias, bool tf32) {
    auto round = [tf32](float x) -> double {
        if (!tf32 || !std::isfinite(x)) return x;
        // Independent of the stand-in's bit trick: nearest multiple of 2^(e-10), ties to even.
        int exponent;
        std::frexp(x, &exponent);
        double quantum = std::ldexp(1.0, exponent - 11);
        return std::nearbyint(static_cast<double>(x) / quantum) * quantum;
    };
    std::vector<float> out = C;
    for (int item = 0; item < g.batch; item++)
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++) {
                double sum = 0.0;
                for (int p = 0; p < g.K; p++) {
                    double a = round(A[item * g.stride_a + (g.trans_a ? p * g.lda + i : i * g.lda + p)]);
                    double b = round(B[item * g.stride_b + (g.trans_b ? j * g.ldb + p : p * g.ldb + j)]);
                    sum += a * b;
                }
                int64_t at = item * g.stride_c + i * g.ldc + j;
                if (g.beta != 0.0f) sum += static_cast<double>(g.beta) * C[at];
                if (bias) sum += bias[j];
                out[at] = static_cast<float>(sum);
            }
    return out;
}

}  // namespace lt_test
