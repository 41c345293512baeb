// The one cuBLASLt wrapper (bn::gemm): row-major strided-batched GEMMs with an optional bias
// epilogue. The descriptors and the heuristic's algorithm of each shape are made once and kept in
// the context's hash map (misses too), so a training step creates no descriptor.
#include <string>

#include "context.cuh"

namespace bn {
namespace {

// output[row, col] += bias[col]; for bias pointers cuBLASLt's epilogue cannot take (unaligned).
__global__ void add_bias_kernel(float* output, const float* bias, int64_t rows, int cols) {
    int64_t total = rows * cols;
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        output[i] += bias[i % cols];
}

// Largest power of two (<= 256) dividing the address and every element offset the call adds
// to it: cuBLASLt assumes 256-byte alignment unless told otherwise, and views into whole-model
// buffers often start elsewhere.
uint32_t alignment_of(const void* pointer, int64_t ld = 0, int64_t stride = 0) {
    uintptr_t bits = reinterpret_cast<uintptr_t>(pointer) | static_cast<uintptr_t>(ld * 4) | static_cast<uintptr_t>(stride * 4);
    uint32_t alignment = 256;
    while (alignment > 4 && bits % alignment != 0) alignment >>= 1;
    return alignment;
}

void destroy(GemmPlan& plan) {
    if (plan.c) cublasLtMatrixLayoutDestroy(plan.c);
    if (plan.b) cublasLtMatrixLayoutDestroy(plan.b);
    if (plan.a) cublasLtMatrixLayoutDestroy(plan.a);
    if (plan.op) cublasLtMatmulDescDestroy(plan.op);
    plan = GemmPlan{};
}

void make_layout(cublasLtMatrixLayout_t* layout, uint64_t rows, uint64_t cols, int64_t ld, int batch, int64_t stride) {
    BN_CUBLAS(cublasLtMatrixLayoutCreate(layout, CUDA_R_32F, rows, cols, ld));
    if (batch > 1) {
        BN_CUBLAS(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch)));
        BN_CUBLAS(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
    }
}

void set_min_alignment(cublasLtMatmulPreference_t preference, cublasLtMatmulPreferenceAttributes_t attribute,
                       uint32_t alignment) {
    BN_CUBLAS(cublasLtMatmulPreferenceSetAttribute(preference, attribute, &alignment, sizeof(alignment)));
}

// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: cuBLASLt's first operand is
// our B and its second our A, each row-major matrix read as its column-major transpose.
void describe(GemmPlan& plan, const Gemm& g, cublasComputeType_t compute, bool bias_epilogue) {
    cublasOperation_t op_first = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op_second = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    uint64_t m = g.N, n = g.M, k = g.K;
    BN_CUBLAS(cublasLtMatmulDescCreate(&plan.op, compute, CUDA_R_32F));
    BN_CUBLAS(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof(op_first)));
    BN_CUBLAS(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof(op_second)));
    if (bias_epilogue) {
        cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;  // bias[m] added to each column of C^T = each row of C
        BN_CUBLAS(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
        // The heuristic needs a bias pointer; each call sets its own (see gemm()).
        BN_CUBLAS(cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof(g.bias)));
    }
    // Layouts describe the operands as stored (before the transpose op).
    make_layout(&plan.a, op_first == CUBLAS_OP_N ? m : k, op_first == CUBLAS_OP_N ? k : m, g.ldb, g.batch, g.stride_b);
    make_layout(&plan.b, op_second == CUBLAS_OP_N ? k : n, op_second == CUBLAS_OP_N ? n : k, g.lda, g.batch, g.stride_a);
    make_layout(&plan.c, m, n, g.ldc, g.batch, g.stride_c);
}

// The plan for this GEMM: from the context's map, else described and searched once, then kept
// (found == false when cuBLASLt has no algorithm for it).
GemmPlan& plan_for(bn_context* context, const Gemm& g, bool bias_epilogue) {
    uint32_t align_first = alignment_of(g.B, g.ldb, g.stride_b), align_second = alignment_of(g.A, g.lda, g.stride_a),
             align_c = alignment_of(g.C, g.ldc, g.stride_c);
    GemmKey key{g.trans_a, g.trans_b, g.M, g.N, g.K, g.lda, g.ldb, g.ldc, g.stride_a, g.stride_b, g.stride_c, g.batch,
                bias_epilogue, g.beta != 0.0f, align_first, align_second, align_c};
    auto cached = context->plans.find(key);
    if (cached != context->plans.end()) return cached->second;

    GemmPlan plan;
    cublasLtMatmulPreference_t preference = nullptr;
    try {
        describe(plan, g, context->compute, bias_epilogue);
        BN_CUBLAS(cublasLtMatmulPreferenceCreate(&preference));
        uint64_t workspace = context->workspace_bytes;
        BN_CUBLAS(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
                                                       sizeof(workspace)));
        set_min_alignment(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_first);
        set_min_alignment(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_second);
        set_min_alignment(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_c);
        set_min_alignment(preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_c);
        cublasLtMatmulHeuristicResult_t heuristic;
        int found = 0;
        cublasStatus_t searched = cublasLtMatmulAlgoGetHeuristic(context->lt, plan.op, plan.a, plan.b, plan.c, plan.c,
                                                                 preference, 1, &heuristic, &found);
        cublasLtMatmulPreferenceDestroy(preference);
        preference = nullptr;
        plan.found = searched == CUBLAS_STATUS_SUCCESS && found > 0;
        if (plan.found) plan.algorithm = heuristic.algo;
        else destroy(plan);  // a miss keeps no descriptors, only the answer
    } catch (...) {
        if (preference) cublasLtMatmulPreferenceDestroy(preference);
        destroy(plan);
        throw;
    }
    return context->plans.emplace(key, plan).first->second;
}

}  // namespace

void gemm(bn_context* context, const Gemm& g, cudaStream_t stream) {
    require(context && context->lt, "context");
    require(g.M >= 0 && g.N >= 0 && g.K >= 0 && g.batch >= 1, "gemm sizes");
    require(!g.bias || (g.batch == 1 && g.beta == 0.0f), "gemm bias only with batch 1 and beta 0");
    if (g.M == 0 || g.N == 0) return;
    if (g.K == 0) {  // an empty sum: C = beta C; not worth a cuBLASLt call
        require(g.beta == 0.0f || g.beta == 1.0f, "gemm beta with K = 0");
        require(!g.bias, "gemm bias with K = 0");
        if (g.beta == 0.0f)
            for (int i = 0; i < g.batch; i++)
                BN_CUDA(cudaMemset2DAsync(g.C + i * g.stride_c, g.ldc * sizeof(float), 0, g.N * sizeof(float), g.M, stream));
        return;
    }

    // The bias epilogue when cuBLASLt offers one for this case, else a separate bias kernel.
    bool bias_epilogue = g.bias && alignment_of(g.bias) >= 16;
    GemmPlan* plan = &plan_for(context, g, bias_epilogue);
    if (!plan->found && bias_epilogue) {
        bias_epilogue = false;
        plan = &plan_for(context, g, false);
    }
    if (!plan->found)
        throw Error(BN_ERR_CUBLAS, "cuBLASLt found no algorithm for row-major M=" + std::to_string(g.M) + " N=" +
                                       std::to_string(g.N) + " K=" + std::to_string(g.K) + " batch=" + std::to_string(g.batch) +
                                       " trans_a=" + std::to_string(g.trans_a) + " trans_b=" + std::to_string(g.trans_b));
    if (bias_epilogue)
        BN_CUBLAS(cublasLtMatmulDescSetAttribute(plan->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof(g.bias)));

    float alpha = 1.0f, beta = g.beta;
    BN_CUBLAS(cublasLtMatmul(context->lt, plan->op, &alpha, g.B, plan->a, g.A, plan->b, &beta, g.C, plan->c, g.C, plan->c,
                             &plan->algorithm, context->workspace, context->workspace_bytes, stream));

    if (g.bias && !bias_epilogue) {
        require(g.ldc == g.N, "gemm bias with padded rows");
        BN_LAUNCH(add_bias_kernel, blocks_for(static_cast<int64_t>(g.M) * g.N, 256), 256, 0, stream, g.C, g.bias, g.M, g.N);
    }
}

void release_plans(bn_context* context) {
    for (auto& entry : context->plans) destroy(entry.second);
    context->plans.clear();
}

}  // namespace bn
