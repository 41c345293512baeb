// Linear layers through one cuBLASLt wrapper (bn::gemm), row-major, weight [O, I]:
//   forward   output[N,O] = input[N,I] weight^T + bias
//   backward  dinput[N,I] (= or +=) doutput weight; dweight[O,I] += doutput^T input;
//             dbias[O] += column sums of doutput (parameter gradients +=, activation gradients =).
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

// dbias[col] += sum over rows of doutput[row, col]. Block (32, 32): x picks the column,
// y strides the rows, a shared-memory tree adds the 32 partial sums. Deterministic.
__global__ void column_sum_kernel(float* dbias, const float* doutput, int rows, int cols) {
    __shared__ float partial[32][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    float sum = 0.0f;
    if (col < cols)
        for (int row = threadIdx.y; row < rows; row += 32) sum += doutput[static_cast<int64_t>(row) * cols + col];
    partial[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    for (int half = 16; half > 0; half >>= 1) {
        if (threadIdx.y < half) partial[threadIdx.y][threadIdx.x] += partial[threadIdx.y + half][threadIdx.x];
        __syncthreads();
    }
    if (threadIdx.y == 0 && col < cols) dbias[col] += partial[0][threadIdx.x];
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

// RAII for the cuBLASLt descriptors of one call, so an error path leaks nothing.
struct LtDescriptors {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulPreference_t preference = nullptr;
    LtDescriptors() = default;
    LtDescriptors(const LtDescriptors&) = delete;
    LtDescriptors& operator=(const LtDescriptors&) = delete;
    ~LtDescriptors() { reset(); }
    void reset() {
        if (preference) cublasLtMatmulPreferenceDestroy(preference);
        if (c) cublasLtMatrixLayoutDestroy(c);
        if (b) cublasLtMatrixLayoutDestroy(b);
        if (a) cublasLtMatrixLayoutDestroy(a);
        if (op) cublasLtMatmulDescDestroy(op);
        preference = nullptr;
        a = b = c = nullptr;
        op = nullptr;
    }
};

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
void describe(LtDescriptors& d, const Gemm& g, bool bias_epilogue) {
    cublasOperation_t op_first = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t op_second = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    uint64_t m = g.N, n = g.M, k = g.K;
    BN_CUBLAS(cublasLtMatmulDescCreate(&d.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    BN_CUBLAS(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA, &op_first, sizeof(op_first)));
    BN_CUBLAS(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB, &op_second, sizeof(op_second)));
    if (bias_epilogue) {
        cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;  // bias[m] added to each column of C^T = each row of C
        BN_CUBLAS(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
        BN_CUBLAS(cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &g.bias, sizeof(g.bias)));
    }
    // Layouts describe the operands as stored (before the transpose op).
    make_layout(&d.a, op_first == CUBLAS_OP_N ? m : k, op_first == CUBLAS_OP_N ? k : m, g.ldb, g.batch, g.stride_b);
    make_layout(&d.b, op_second == CUBLAS_OP_N ? k : n, op_second == CUBLAS_OP_N ? n : k, g.lda, g.batch, g.stride_a);
    make_layout(&d.c, m, n, g.ldc, g.batch, g.stride_c);
}

// The algorithm for this GEMM: from the context's cache, else cuBLASLt's heuristic (then
// cached). Null when cuBLASLt has none for this combination.
const cublasLtMatmulAlgo_t* choose(bn_context* context, LtDescriptors& d, const Gemm& g, bool bias_epilogue) {
    uint32_t align_first = alignment_of(g.B, g.ldb, g.stride_b), align_second = alignment_of(g.A, g.lda, g.stride_a),
             align_c = alignment_of(g.C, g.ldc, g.stride_c);
    GemmKey key{g.trans_a, g.trans_b, g.M, g.N, g.K, g.lda, g.ldb, g.ldc, g.stride_a, g.stride_b, g.stride_c, g.batch,
                bias_epilogue, g.beta != 0.0f, align_first, align_second, align_c};
    for (const auto& entry : context->algorithms)
        if (entry.first == key) return &entry.second;

    BN_CUBLAS(cublasLtMatmulPreferenceCreate(&d.preference));
    uint64_t workspace = context->workspace_bytes;
    BN_CUBLAS(cublasLtMatmulPreferenceSetAttribute(d.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(workspace)));
    set_min_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_first);
    set_min_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_second);
    set_min_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_c);
    set_min_alignment(d.preference, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_c);
    cublasLtMatmulHeuristicResult_t heuristic;
    int found = 0;
    cublasStatus_t searched =
        cublasLtMatmulAlgoGetHeuristic(context->lt, d.op, d.a, d.b, d.c, d.c, d.preference, 1, &heuristic, &found);
    if (searched != CUBLAS_STATUS_SUCCESS || found == 0) return nullptr;
    context->algorithms.push_back({key, heuristic.algo});
    return &context->algorithms.back().second;
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
    LtDescriptors d;
    describe(d, g, bias_epilogue);
    const cublasLtMatmulAlgo_t* algorithm = choose(context, d, g, bias_epilogue);
    if (!algorithm && bias_epilogue) {
        bias_epilogue = false;
        d.reset();
        describe(d, g, false);
        algorithm = choose(context, d, g, false);
    }
    if (!algorithm)
        throw Error(BN_ERR_CUBLAS, "cuBLASLt found no algorithm for row-major M=" + std::to_string(g.M) + " N=" +
                                       std::to_string(g.N) + " K=" + std::to_string(g.K) + " batch=" + std::to_string(g.batch) +
                                       " trans_a=" + std::to_string(g.trans_a) + " trans_b=" + std::to_string(g.trans_b));

    float alpha = 1.0f, beta = g.beta;
    BN_CUBLAS(cublasLtMatmul(context->lt, d.op, &alpha, g.B, d.a, g.A, d.b, &beta, g.C, d.c, g.C, d.c, algorithm,
                             context->workspace, context->workspace_bytes, stream));

    if (g.bias && !bias_epilogue) {
        require(g.ldc == g.N, "gemm bias with padded rows");
        add_bias_kernel<<<blocks_for(static_cast<int64_t>(g.M) * g.N, 256), 256, 0, stream>>>(g.C, g.bias, g.M, g.N);
    }
}

void matmul_forward(bn_context* context, float* output, const float* input, const float* weight, const float* bias,
                    int N, int I, int O, cudaStream_t stream) {
    Gemm g;
    g.trans_b = true;
    g.M = N; g.N = O; g.K = I;
    g.A = input; g.lda = I;
    g.B = weight; g.ldb = I;
    g.C = output; g.ldc = O;
    g.bias = bias;
    gemm(context, g, stream);
}

void matmul_backward(bn_context* context, float* dinput, bool accumulate_input, float* dweight, float* dbias,
                     const float* doutput, const float* input, const float* weight, int N, int I, int O, cudaStream_t stream) {
    if (dinput) {  // dinput[N,I] = doutput[N,O] weight[O,I]
        Gemm g;
        g.M = N; g.N = I; g.K = O;
        g.A = doutput; g.lda = O;
        g.B = weight; g.ldb = I;
        g.C = dinput; g.ldc = I;
        g.beta = accumulate_input ? 1.0f : 0.0f;
        gemm(context, g, stream);
    }
    {  // dweight[O,I] += doutput^T[O,N] input[N,I]
        Gemm g;
        g.trans_a = true;
        g.M = O; g.N = I; g.K = N;
        g.A = doutput; g.lda = O;
        g.B = input; g.ldb = I;
        g.C = dweight; g.ldc = I;
        g.beta = 1.0f;
        gemm(context, g, stream);
    }
    if (dbias && O > 0) column_sum_kernel<<<(O + 31) / 32, dim3(32, 32), 0, stream>>>(dbias, doutput, N, O);
}

}  // namespace bn

extern "C" {

int bn_matmul_forward(bn_context* context, float* output, const float* input, const float* weight,
                      const float* bias, int N, int I, int O, void* stream) {
    return bn::guard_op("bn_matmul_forward", [&] {
        bn::require(output && input && weight && N >= 0 && I >= 0 && O >= 0, "matmul forward");
        bn::matmul_forward(context, output, input, weight, bias, N, I, O, bn::as_stream(stream));
    });
}

int bn_matmul_backward(bn_context* context, float* dinput, int accumulate_input, float* dweight, float* dbias,
                       const float* doutput, const float* input, const float* weight, int N, int I, int O, void* stream) {
    return bn::guard_op("bn_matmul_backward", [&] {
        bn::require(dweight && doutput && input && weight && N >= 0 && I >= 0 && O >= 0, "matmul backward");
        bn::matmul_backward(context, dinput, accumulate_input != 0, dweight, dbias, doutput, input, weight, N, I, O,
                            bn::as_stream(stream));
    });
}

}  // extern "C"
