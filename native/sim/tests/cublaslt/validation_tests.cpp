// What the cuBLASLt stand-in refuses on the host, before anything is queued: inconsistent layouts
// (ld < rows, overlapping output batches, sizes or batch counts that disagree), pointers that break
// the alignment promised to the heuristic, attributes and values it does not implement, and dead
// handles, descriptors and algorithms.
#include <vector>

#include "lt_fixture.h"

using namespace lt_test;

BN_TEST(cublaslt_leading_dimension_below_rows) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 6, 5, 1, 0, 0.0f);
    g.ldb = g.N - 1;  // cuBLASLt's A (our B) is N x K column-major with ld < N
    DeviceFloats a(64), b(64), c(64);
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, outcome.heuristic);
    CHECK(outcome.found == 0);
    CHECK(!outcome.ran);
}

BN_TEST(cublaslt_overlapping_output_batches) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 6, 5, 3, 0, 0.0f);
    g.stride_c = g.M * g.ldc - 1;  // the last row of item i is the first of item i+1
    DeviceFloats a(span_a(g)), b(span_b(g)), c(span_c(g) + 8);
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, outcome.heuristic);
    g.stride_c = 0;  // every item onto the same C
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, outcome.heuristic);
}

BN_TEST(cublaslt_sizes_and_batches_must_agree) {
    Handle handle;
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t la, lb, lc, lb_wrong;
    cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, 4, 3, 4);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, 3, 5, 3);
    cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, 4, 5, 4);
    cublasLtMatrixLayoutCreate(&lb_wrong, CUDA_R_32F, 2, 5, 3);  // k disagrees
    cublasLtMatmulPreference_t preference;
    cublasLtMatmulPreferenceCreate(&preference);
    cublasLtMatmulHeuristicResult_t result;
    int found = -1;
    auto heuristic = [&](cublasLtMatrixLayout_t b) {
        return cublasLtMatmulAlgoGetHeuristic(handle.value, op, la, b, lc, lc, preference, 1, &result, &found);
    };
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, heuristic(lb));
    CHECK(found == 1);
    CHECK(result.state == CUBLAS_STATUS_SUCCESS);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, heuristic(lb_wrong));
    CHECK(found == 0);
    // Transposing A makes it 3 x 4: no longer agrees with C.
    cublasOperation_t t = CUBLAS_OP_T;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof(t));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, heuristic(lb));
    cublasOperation_t n = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &n, sizeof(n));
    // Batch counts differ.
    int batch = 2;
    int64_t stride = 20;
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch));
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, heuristic(lb));
    for (cublasLtMatrixLayout_t x : {la, lb, lc, lb_wrong}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(op);
}

BN_TEST(cublaslt_under_aligned_pointer) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    DeviceFloats a(64), b(64), c(64);
    // Promise 16 bytes for everything, then hand over B (cuBLASLt's A) one float in.
    Options options;
    options.set_alignments = false;
    for (uint32_t& x : options.alignment) x = 16;
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data + 1, c.data, nullptr, options);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.heuristic);
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, outcome.matmul);
    // The default promise is 256 bytes: a 16-byte aligned pointer does not keep it.
    for (uint32_t& x : options.alignment) x = 0;
    outcome = run_row_major(handle.value, g, a.data + 4, b.data, c.data, nullptr, options);
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, outcome.matmul);
    // What gemm.cu does (the pointers' real alignment promised) runs.
    outcome = run_row_major(handle.value, g, a.data + 1, b.data + 1, c.data + 1, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    OK(cudaDeviceSynchronize());  // no fault
    // No FP32 algorithm for a promise below 4 bytes.
    for (uint32_t& x : options.alignment) x = 2;
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, outcome.heuristic);
}

BN_TEST(cublaslt_unsupported_attributes_and_values) {
    Handle handle;
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    int32_t sm_count = 10;
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED,
                 cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_SM_COUNT_TARGET, &sm_count, sizeof(sm_count)));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,
                 cublasLtMatmulDescSetAttribute(op, static_cast<cublasLtMatmulDescAttributes_t>(99), &sm_count, sizeof(sm_count)));
    int64_t wrong_size = 1;
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,
                 cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &wrong_size, sizeof(wrong_size)));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,
                 cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, nullptr, sizeof(int32_t)));
    cublasLtMatmulPreference_t preference;
    cublasLtMatmulPreferenceCreate(&preference);
    uint32_t search = 0;
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED,
                 cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_SEARCH_MODE, &search, sizeof(search)));
    uint32_t alignment = 16;
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,  // uint64_t expected
                 cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &alignment,
                                                      sizeof(alignment)));
    cublasLtMatrixLayout_t l;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,
                 cublasLtMatrixLayoutSetAttribute(l, static_cast<cublasLtMatrixLayoutAttribute_t>(42), &alignment, sizeof(alignment)));

    cublasLtMatmulHeuristicResult_t result;
    int found = -1;
    auto heuristic = [&] {
        return cublasLtMatmulAlgoGetHeuristic(handle.value, op, l, l, l, l, preference, 1, &result, &found);
    };
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, heuristic());
    // Values the stand-in does not implement: NOT_SUPPORTED, no algorithm.
    cublasLtEpilogue_t gelu = CUBLASLT_EPILOGUE_GELU_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &gelu, sizeof(gelu));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, heuristic());
    CHECK(found == 0);
    cublasLtEpilogue_t plain = CUBLASLT_EPILOGUE_DEFAULT;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &plain, sizeof(plain));
    int32_t device_pointers = CUBLASLT_POINTER_MODE_DEVICE;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_POINTER_MODE, &device_pointers, sizeof(device_pointers));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, heuristic());
    int32_t host_pointers = CUBLASLT_POINTER_MODE_HOST;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_POINTER_MODE, &host_pointers, sizeof(host_pointers));
    int32_t row = CUBLASLT_ORDER_ROW;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ORDER, &row, sizeof(row));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, heuristic());
    int32_t col = CUBLASLT_ORDER_COL;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ORDER, &col, sizeof(col));
    uint32_t half = CUDA_R_16F;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_TYPE, &half, sizeof(half));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, heuristic());
    uint32_t single = CUDA_R_32F;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_TYPE, &single, sizeof(single));
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, heuristic());
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(op);

    cublasLtMatmulDesc_t half_compute;
    cublasLtMatmulDescCreate(&half_compute, CUBLAS_COMPUTE_16F, CUDA_R_16F);
    cublasLtMatrixLayout_t l2;
    cublasLtMatrixLayoutCreate(&l2, CUDA_R_32F, 4, 4, 4);
    cublasLtMatmulPreferenceCreate(&preference);
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED,
                 cublasLtMatmulAlgoGetHeuristic(handle.value, half_compute, l2, l2, l2, l2, preference, 1, &result, &found));
    cublasLtMatrixLayoutDestroy(l2);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(half_compute);
}

BN_TEST(cublaslt_handles_and_algorithms) {
    cublasLtHandle_t handle = nullptr;
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtCreate(&handle));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, cublasLtCreate(nullptr));
    DeviceFloats x(16), y(16), z(16);  // before `dead` is freed, so that nothing reuses its address
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t l, dead;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    cublasLtMatrixLayoutCreate(&dead, CUDA_R_32F, 4, 4, 4);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatrixLayoutDestroy(dead));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, cublasLtMatrixLayoutDestroy(dead));  // twice
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatrixLayoutDestroy(nullptr));
    float alpha = 1.0f, beta = 0.0f;
    auto matmul = [&](cublasLtHandle_t h, cublasLtMatrixLayout_t a, const cublasLtMatmulAlgo_t* algo) {
        return cublasLtMatmul(h, op, &alpha, x.data, a, y.data, l, &beta, z.data, l, z.data, l, algo, nullptr, 0, nullptr);
    };
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, matmul(handle, dead, nullptr));
    cublasLtMatmulAlgo_t garbage{};
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, matmul(handle, l, &garbage));
    // An algorithm found without the bias epilogue does not run one with it.
    cublasLtMatmulPreference_t preference;
    cublasLtMatmulPreferenceCreate(&preference);
    uint64_t no_workspace = 0;
    cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &no_workspace,
                                         sizeof(no_workspace));
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS,
                 cublasLtMatmulAlgoGetHeuristic(handle, op, l, l, l, l, preference, 1, &result, &found));
    CHECK(result.workspaceSize == 0);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, matmul(handle, l, &result.algo));
    OK(cudaDeviceSynchronize());  // no fault
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
    const float* bias = y.data;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, matmul(handle, l, &result.algo));
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,  // no room for a result
                 cublasLtMatmulAlgoGetHeuristic(handle, op, l, l, l, l, preference, 0, &result, &found));
    cublasLtMatmulPreferenceDestroy(preference);

    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtDestroy(handle));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_INITIALIZED, matmul(handle, l, nullptr));  // destroyed handle
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_INITIALIZED, cublasLtDestroy(handle));
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_INITIALIZED, cublasLtDestroy(nullptr));
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulDescDestroy(op);
    CHECK(cublasLtGetVersion() == 0);
}
