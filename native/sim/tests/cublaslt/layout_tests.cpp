// The cuBLASLt stand-in's results on the simulated runtime: every layout gemm.cu produces (transposes,
// padded leading dimensions, batch strides, bias epilogue, beta 0 and 1 in place) compared bit for bit
// with a naive loop, and the out-of-place, null-algo and k = 0 paths of cublasLtMatmul.
#include <limits>
#include <vector>

#include "lt_fixture.h"

using namespace lt_test;

BN_TEST(cublaslt_layouts_against_naive) {
    struct Size { int M, N, K; };
    const Size sizes[] = {{1, 1, 1}, {5, 7, 3}, {67, 33, 129}, {9, 130, 17}};
    unsigned seed = 1;
    for (const Size& s : sizes)
        for (int trans_a = 0; trans_a < 2; trans_a++)
            for (int trans_b = 0; trans_b < 2; trans_b++)
                for (int batch : {1, 3})
                    for (int pad : {0, 3})
                        for (float beta : {0.0f, 1.0f}) {
                            RowGemm g = shape(trans_a, trans_b, s.M, s.N, s.K, batch, pad, beta);
                            CHECK(matches_naive(g, false, seed++));
                            if (batch == 1 && beta == 0.0f) CHECK(matches_naive(g, true, seed++));  // gemm.cu's bias rule
                        }
}

BN_TEST(cublaslt_beta_zero_ignores_nan_in_c) {
    RowGemm g = shape(false, true, 6, 10, 4, 2, 1, 0.0f);
    CHECK(matches_naive(g, false, 100, true));
    RowGemm h = shape(false, false, 6, 8, 4, 1, 0, 0.0f);
    CHECK(matches_naive(h, true, 101, true));
}

BN_TEST(cublaslt_beta_one_accumulates_in_place) {
    // C = A B + C, C and D the same pointer and layout (gemm.cu's accumulate into a gradient).
    RowGemm g = shape(true, false, 12, 20, 7, 1, 0, 1.0f);
    CHECK(matches_naive(g, false, 200));
    RowGemm h = shape(true, false, 12, 20, 7, 4, 2, 1.0f);
    CHECK(matches_naive(h, false, 201));
}

// Attention's per-head batches: heads interleaved in one row (stride = head size < ld).
BN_TEST(cublaslt_interleaved_heads) {
    const int heads = 3, tokens = 5, d = 4;
    RowGemm g;
    g.M = tokens; g.N = d; g.K = tokens; g.batch = heads;
    g.lda = tokens; g.stride_a = tokens * tokens;      // probs [heads][T][T]
    g.ldb = heads * d; g.stride_b = d;                  // v [T][heads*d]
    g.ldc = heads * d; g.stride_c = d;                  // out [T][heads*d]
    CHECK(matches_naive(g, false, 300));
}

BN_TEST(cublaslt_input_broadcast_stride_zero) {
    RowGemm g = shape(false, false, 4, 6, 5, 3, 0, 0.0f);
    g.stride_b = 0;  // one B for every batch item
    CHECK(matches_naive(g, false, 400));
}

BN_TEST(cublaslt_out_of_place_and_in_place_layout_rules) {
    Handle handle;
    const int m = 4, n = 3, k = 2;
    DeviceFloats a(m * k), b(k * n), c(8 * n), d(6 * n);
    const std::vector<float> host_a = random_values(m * k, 1), host_b = random_values(k * n, 2), host_c = random_values(8 * n, 3);
    a.upload(host_a);
    b.upload(host_b);
    c.upload(host_c);
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t la, lb, lc, ld;
    cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, m, k, m);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, k, n, k);
    cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, m, n, 8);
    cublasLtMatrixLayoutCreate(&ld, CUDA_R_32F, m, n, 6);
    float alpha = 2.0f, beta = 0.5f;
    // Out of place, C and D with different leading dimensions: allowed. Null algo: implicit heuristic.
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatmul(handle.value, op, &alpha, a.data, la, b.data, lb, &beta, c.data, lc,
                                                       d.data, ld, nullptr, nullptr, 0, nullptr));
    const std::vector<float> host_d = d.download();
    OK(cudaDeviceSynchronize());  // no fault
    bool ok = true;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int p = 0; p < k; p++) sum += static_cast<double>(host_a[i + p * m]) * host_b[p + j * k];
            float expected = static_cast<float>(2.0 * sum + 0.5 * host_c[i + j * 8]);
            ok = ok && host_d[i + j * 6] == expected;
        }
    CHECK(ok);
    // In place with different layouts: refused.
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, cublasLtMatmul(handle.value, op, &alpha, a.data, la, b.data, lb, &beta, c.data,
                                                             lc, c.data, ld, nullptr, nullptr, 0, nullptr));
    // Null alpha: refused.
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, cublasLtMatmul(handle.value, op, nullptr, a.data, la, b.data, lb, &beta, c.data,
                                                             lc, d.data, ld, nullptr, nullptr, 0, nullptr));
    for (cublasLtMatrixLayout_t x : {la, lb, lc, ld}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulDescDestroy(op);
}

BN_TEST(cublaslt_k_zero_scales_c) {
    Handle handle;
    DeviceFloats c(6);
    c.upload({0.0f, 1.0f, 2.0f, 3.0f, 4.0f, 5.0f});
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, 2, 0, 2);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, 0, 3, 0);
    cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, 2, 3, 2);
    float alpha = 1.0f, beta = 3.0f;
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c.data, lc,
                                                       c.data, lc, nullptr, nullptr, 0, nullptr));
    std::vector<float> scaled = c.download();
    OK(cudaDeviceSynchronize());  // no fault
    bool ok = true;
    for (int i = 0; i < 6; i++) ok = ok && scaled[i] == 3.0f * i;
    CHECK(ok);
    // Batched, with strides on the empty (null) operands: C = 0 A B + 0 C = 0.
    int batch = 2;
    int64_t stride = 3;
    for (cublasLtMatrixLayout_t x : {la, lb, lc}) {
        cublasLtMatrixLayoutSetAttribute(x, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch));
        cublasLtMatrixLayoutSetAttribute(x, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    }
    DeviceFloats c2(9);
    beta = 0.0f;
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE,  // stride 3 < one 2 x 3 matrix: D items overlap
                 cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c2.data, lc, c2.data, lc, nullptr,
                                nullptr, 0, nullptr));
    stride = 6;
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    DeviceFloats c3(12);
    c3.upload(std::vector<float>(12, std::numeric_limits<float>::quiet_NaN()));
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c3.data, lc,
                                                       c3.data, lc, nullptr, nullptr, 0, nullptr));
    std::vector<float> zeroed = c3.download();
    OK(cudaDeviceSynchronize());  // no fault
    ok = true;
    for (int i = 0; i < 12; i++) ok = ok && zeroed[i] == 0.0f;
    CHECK(ok);
    for (cublasLtMatrixLayout_t x : {la, lb, lc}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulDescDestroy(op);
}
