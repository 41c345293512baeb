// Unit tests of the cuBLASLt stand-in (native/sim/cublaslt_sim_*.cpp) against the test-only stub
// runtime: every layout gemm.cu produces compared with a naive loop, the validation errors, TF32
// rounding, and the BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE switch. Exit status 0 when all pass.
// BN_SIM_CUBLASLT_BENCH=1 also times the tiny-BERT shapes.
#include <cublasLt.h>

#include "fake_device.h"
#include "lt_driver.h"

#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace lt_test;

namespace {

int checks = 0, failures = 0;

#define CHECK(condition)                                                                   \
    do {                                                                                   \
        checks++;                                                                          \
        if (!(condition)) {                                                                \
            failures++;                                                                    \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_STATUS(actual, expected)                                                            \
    do {                                                                                             \
        checks++;                                                                                    \
        int actual_ = static_cast<int>(actual), expected_ = static_cast<int>(expected);             \
        if (actual_ != expected_) {                                                                  \
            failures++;                                                                              \
            std::fprintf(stderr, "%s:%d: %s is %d, expected %s (%d)\n", __FILE__, __LINE__, #actual, \
                         actual_, #expected, expected_);                                             \
        }                                                                                            \
    } while (0)

// A device allocation of floats (host-addressable in the simulation).
struct Device {
    float* data;
    size_t count;
    explicit Device(size_t n) : data(static_cast<float*>(fake_device::allocate(n * sizeof(float)))), count(n) {}
    ~Device() { fake_device::release(data); }
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    void upload(const std::vector<float>& host) { std::memcpy(data, host.data(), host.size() * sizeof(float)); }
    std::vector<float> download() const { return std::vector<float>(data, data + count); }
};

struct Handle {
    cublasLtHandle_t value = nullptr;
    Handle() { cublasLtCreate(&value); }
    ~Handle() { cublasLtDestroy(value); }
};

std::vector<float> random_values(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> out(n);
    for (float& x : out) x = value(rng);
    return out;
}

bool no_fault() {
    cudaError_t error;
    std::string message;
    if (!fake_device::take_fault(&error, &message)) return true;
    std::fprintf(stderr, "unexpected fault %d: %s\n", static_cast<int>(error), message.c_str());
    return false;
}

cudaError_t fault_of(std::string* message = nullptr) {
    cudaError_t error = cudaSuccess;
    std::string text;
    if (!fake_device::take_fault(&error, &text)) return cudaSuccess;
    if (message) *message = text;
    return error;
}

// Runs g through the stand-in on random data (C prefilled with `c_fill`, or random when NaN is
// not asked for) and compares every element of C, padding included, with the naive loop.
bool matches_naive(const RowGemm& g, bool with_bias, unsigned seed, bool nan_in_c = false,
                   cublasComputeType_t compute = CUBLAS_COMPUTE_32F) {
    Handle handle;
    std::vector<float> a = random_values(span_a(g), seed), b = random_values(span_b(g), seed + 1),
                       c = random_values(span_c(g), seed + 2), bias = random_values(g.N, seed + 3);
    if (nan_in_c) c.assign(c.size(), std::numeric_limits<float>::quiet_NaN());
    Device da(a.size()), db(b.size()), dc(c.size()), dbias(bias.size());
    da.upload(a);
    db.upload(b);
    dc.upload(c);
    dbias.upload(bias);
    Options options;
    options.compute = compute;
    Outcome outcome = run_row_major(handle.value, g, da.data, db.data, dc.data, with_bias ? dbias.data : nullptr, options);
    bool ok = outcome.heuristic == CUBLAS_STATUS_SUCCESS && outcome.found == 1 && outcome.matmul == CUBLAS_STATUS_SUCCESS;
    ok = ok && no_fault();
    std::vector<float> expected = naive(g, a, b, c, with_bias ? bias.data() : nullptr, compute == CUBLAS_COMPUTE_32F_FAST_TF32);
    std::vector<float> actual = dc.download();
    for (size_t i = 0; ok && i < expected.size(); i++) {
        bool same = std::memcmp(&expected[i], &actual[i], sizeof(float)) == 0;  // bit-exact (NaN padding too)
        if (!same) {
            std::fprintf(stderr, "element %zu: %.9g, expected %.9g (M=%d N=%d K=%d ta=%d tb=%d batch=%d beta=%g bias=%d)\n", i,
                         actual[i], expected[i], g.M, g.N, g.K, g.trans_a, g.trans_b, g.batch, g.beta, with_bias);
            ok = false;
        }
    }
    return ok;
}

RowGemm shape(bool trans_a, bool trans_b, int M, int N, int K, int batch, int pad, float beta) {
    RowGemm g;
    g.trans_a = trans_a;
    g.trans_b = trans_b;
    g.M = M;
    g.N = N;
    g.K = K;
    g.batch = batch;
    g.beta = beta;
    g.lda = (trans_a ? M : K) + pad;
    g.ldb = (trans_b ? K : N) + pad;
    g.ldc = N + pad;
    g.stride_a = (trans_a ? K : M) * g.lda + pad;
    g.stride_b = (trans_b ? N : K) * g.ldb + pad;
    g.stride_c = M * g.ldc + pad;
    return g;
}

// ---- layouts ----

void test_layouts_against_naive() {
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

void test_beta_zero_ignores_nan_in_c() {
    RowGemm g = shape(false, true, 6, 10, 4, 2, 1, 0.0f);
    CHECK(matches_naive(g, false, 100, true));
    RowGemm h = shape(false, false, 6, 8, 4, 1, 0, 0.0f);
    CHECK(matches_naive(h, true, 101, true));
}

void test_beta_one_accumulates_in_place() {
    // C = A B + C, C and D the same pointer and layout (gemm.cu's accumulate into a gradient).
    RowGemm g = shape(true, false, 12, 20, 7, 1, 0, 1.0f);
    CHECK(matches_naive(g, false, 200));
    RowGemm h = shape(true, false, 12, 20, 7, 4, 2, 1.0f);
    CHECK(matches_naive(h, false, 201));
}

// Attention's per-head batches: heads interleaved in one row (stride = head size < ld).
void test_interleaved_heads() {
    const int heads = 3, tokens = 5, d = 4;
    RowGemm g;
    g.M = tokens; g.N = d; g.K = tokens; g.batch = heads;
    g.lda = tokens; g.stride_a = tokens * tokens;      // probs [heads][T][T]
    g.ldb = heads * d; g.stride_b = d;                  // v [T][heads*d]
    g.ldc = heads * d; g.stride_c = d;                  // out [T][heads*d]
    CHECK(matches_naive(g, false, 300));
}

void test_input_broadcast_stride_zero() {
    RowGemm g = shape(false, false, 4, 6, 5, 3, 0, 0.0f);
    g.stride_b = 0;  // one B for every batch item
    CHECK(matches_naive(g, false, 400));
}

void test_out_of_place_and_in_place_layout_rules() {
    Handle handle;
    const int m = 4, n = 3, k = 2;
    Device a(m * k), b(k * n), c(8 * n), d(6 * n);
    a.upload(random_values(m * k, 1));
    b.upload(random_values(k * n, 2));
    c.upload(random_values(8 * n, 3));
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t la, lb, lc, ld;
    cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, m, k, m);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, k, n, k);
    cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, m, n, 8);
    cublasLtMatrixLayoutCreate(&ld, CUDA_R_32F, m, n, 6);
    float alpha = 2.0f, beta = 0.5f;
    // Out of place, C and D with different leading dimensions: allowed. Null algo: implicit heuristic.
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, a.data, la, b.data, lb, &beta, c.data, lc, d.data, ld,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
    bool ok = true;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double sum = 0;
            for (int p = 0; p < k; p++) sum += static_cast<double>(a.data[i + p * m]) * b.data[p + j * k];
            float expected = static_cast<float>(2.0 * sum + 0.5 * c.data[i + j * 8]);
            ok = ok && d.data[i + j * 6] == expected;
        }
    CHECK(ok);
    // In place with different layouts: refused.
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, a.data, la, b.data, lb, &beta, c.data, lc, c.data, ld,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_INVALID_VALUE);
    // Null alpha: refused.
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, nullptr, a.data, la, b.data, lb, &beta, c.data, lc, d.data, ld,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_INVALID_VALUE);
    for (cublasLtMatrixLayout_t x : {la, lb, lc, ld}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulDescDestroy(op);
}

void test_k_zero_scales_c() {
    Handle handle;
    Device c(6), bias(4);
    for (int i = 0; i < 6; i++) c.data[i] = static_cast<float>(i);
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, 2, 0, 2);
    cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, 0, 3, 0);
    cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, 2, 3, 2);
    float alpha = 1.0f, beta = 3.0f;
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c.data, lc, c.data, lc,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
    bool ok = true;
    for (int i = 0; i < 6; i++) ok = ok && c.data[i] == 3.0f * i;
    CHECK(ok);
    // Batched, with strides on the empty (null) operands: C = 0 A B + 0 C = 0.
    int batch = 2;
    int64_t stride = 3;
    for (cublasLtMatrixLayout_t x : {la, lb, lc}) {
        cublasLtMatrixLayoutSetAttribute(x, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch));
        cublasLtMatrixLayoutSetAttribute(x, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    }
    Device c2(9);
    beta = 0.0f;
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c2.data, lc, c2.data, lc,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_INVALID_VALUE);  // stride 3 < one 2 x 3 matrix: D items overlap
    stride = 6;
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    Device c3(12);
    c3.upload(std::vector<float>(12, std::numeric_limits<float>::quiet_NaN()));
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, nullptr, la, nullptr, lb, &beta, c3.data, lc, c3.data, lc,
                                   nullptr, nullptr, 0, nullptr),
                    CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
    ok = true;
    for (int i = 0; i < 12; i++) ok = ok && c3.data[i] == 0.0f;
    CHECK(ok);
    for (cublasLtMatrixLayout_t x : {la, lb, lc}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulDescDestroy(op);
}

// ---- validation ----

void test_leading_dimension_below_rows() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 6, 5, 1, 0, 0.0f);
    g.ldb = g.N - 1;  // cuBLASLt's A (our B) is N x K column-major with ld < N
    Device a(64), b(64), c(64);
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_EQ_STATUS(outcome.heuristic, CUBLAS_STATUS_INVALID_VALUE);
    CHECK(outcome.found == 0);
    CHECK(!outcome.ran);
}

void test_overlapping_output_batches() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 6, 5, 3, 0, 0.0f);
    g.stride_c = g.M * g.ldc - 1;  // the last row of item i is the first of item i+1
    Device a(span_a(g)), b(span_b(g)), c(span_c(g) + 8);
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_EQ_STATUS(outcome.heuristic, CUBLAS_STATUS_INVALID_VALUE);
    g.stride_c = 0;  // every item onto the same C
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_EQ_STATUS(outcome.heuristic, CUBLAS_STATUS_INVALID_VALUE);
}

void test_sizes_and_batches_must_agree() {
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
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle.value, op, la, lb, lc, lc, preference, 1, &result, &found),
                    CUBLAS_STATUS_SUCCESS);
    CHECK(found == 1);
    CHECK(result.state == CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle.value, op, la, lb_wrong, lc, lc, preference, 1, &result, &found),
                    CUBLAS_STATUS_INVALID_VALUE);
    CHECK(found == 0);
    // Transposing A makes it 3 x 4: no longer agrees with C.
    cublasOperation_t t = CUBLAS_OP_T;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof(t));
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle.value, op, la, lb, lc, lc, preference, 1, &result, &found),
                    CUBLAS_STATUS_INVALID_VALUE);
    cublasOperation_t n = CUBLAS_OP_N;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &n, sizeof(n));
    // Batch counts differ.
    int batch = 2;
    int64_t stride = 20;
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof(batch));
    cublasLtMatrixLayoutSetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride));
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle.value, op, la, lb, lc, lc, preference, 1, &result, &found),
                    CUBLAS_STATUS_INVALID_VALUE);
    for (cublasLtMatrixLayout_t x : {la, lb, lc, lb_wrong}) cublasLtMatrixLayoutDestroy(x);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(op);
}

void test_under_aligned_pointer() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    Device a(64), b(64), c(64);
    // Promise 16 bytes for everything, then hand over B (cuBLASLt's A) one float in.
    Options options;
    options.set_alignments = false;
    for (uint32_t& x : options.alignment) x = 16;
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data + 1, c.data, nullptr, options);
    CHECK_EQ_STATUS(outcome.heuristic, CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_NOT_SUPPORTED);
    // The default promise is 256 bytes: a 16-byte aligned pointer does not keep it.
    for (uint32_t& x : options.alignment) x = 0;
    outcome = run_row_major(handle.value, g, a.data + 4, b.data, c.data, nullptr, options);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_NOT_SUPPORTED);
    // What gemm.cu does (the pointers' real alignment promised) runs.
    outcome = run_row_major(handle.value, g, a.data + 1, b.data + 1, c.data + 1, nullptr);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
    // No FP32 algorithm for a promise below 4 bytes.
    for (uint32_t& x : options.alignment) x = 2;
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_EQ_STATUS(outcome.heuristic, CUBLAS_STATUS_NOT_SUPPORTED);
}

void test_pointer_outside_allocations_faults() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 2, 0, 0.0f);
    Device a(span_a(g)), b(span_b(g)), c(span_c(g));
    std::vector<float> host(1024);
    float* host_aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(host.data()) + 255) / 256 * 256);
    Outcome outcome = run_row_major(handle.value, g, host_aligned, b.data, c.data, nullptr);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);  // a kernel finds out, not the call
    std::string message;
    CHECK_EQ_STATUS(fault_of(&message), cudaErrorIllegalAddress);
    CHECK(message.find(" A ") != std::string::npos || message.find(" B ") != std::string::npos);
    // Inside an allocation, but the second batch item runs past its end.
    Device short_c(span_c(g) - 1);
    outcome = run_row_major(handle.value, g, a.data, b.data, short_c.data, nullptr);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(fault_of(), cudaErrorIllegalAddress);
    // The exact extent is enough (no padding after the last row).
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK(no_fault());
}

void test_bias_pointer_rules() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    Device a(64), b(64), c(64), bias(64);
    // Bias 4 bytes off 16: cuBLASLt's kernel may fault; the simulation always does.
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data + 1);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(fault_of(), cudaErrorMisalignedAddress);
    // Bias on the host.
    alignas(16) static float host_bias[8] = {};
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, host_bias);
    CHECK_EQ_STATUS(fault_of(), cudaErrorIllegalAddress);
    // Bias epilogue without a bias pointer.
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
    cublasLtMatrixLayout_t l;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    float alpha = 1.0f, beta = 0.0f;
    CHECK_EQ_STATUS(cublasLtMatmul(handle.value, op, &alpha, a.data, l, b.data, l, &beta, c.data, l, c.data, l, nullptr,
                                   nullptr, 0, nullptr),
                    CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulDescDestroy(op);
}

void test_workspace_rules() {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    Device a(64), b(64), c(64);
    Options options;
    options.workspace_bytes = 100;  // the heuristic was allowed 32 MiB and took 64 KiB
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_INVALID_VALUE);
    // A workspace that is not device memory: the algorithm's use of it faults.
    std::vector<char> host(1 << 20);
    options.workspace = host.data();
    options.workspace_bytes = host.size();
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(fault_of(), cudaErrorIllegalAddress);
    // No workspace allowed, none needed.
    Options none;
    none.max_workspace = 0;
    none.workspace_bytes = 0;
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, none);
    CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
}

void test_unsupported_attributes_and_values() {
    Handle handle;
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    int32_t sm_count = 10;
    CHECK_EQ_STATUS(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_SM_COUNT_TARGET, &sm_count, sizeof(sm_count)),
                    CUBLAS_STATUS_NOT_SUPPORTED);
    CHECK_EQ_STATUS(cublasLtMatmulDescSetAttribute(op, static_cast<cublasLtMatmulDescAttributes_t>(99), &sm_count,
                                                   sizeof(sm_count)),
                    CUBLAS_STATUS_INVALID_VALUE);
    int64_t wrong_size = 1;
    CHECK_EQ_STATUS(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &wrong_size, sizeof(wrong_size)),
                    CUBLAS_STATUS_INVALID_VALUE);
    CHECK_EQ_STATUS(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, nullptr, sizeof(int32_t)),
                    CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatmulPreference_t preference;
    cublasLtMatmulPreferenceCreate(&preference);
    uint32_t search = 0;
    CHECK_EQ_STATUS(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_SEARCH_MODE, &search, sizeof(search)),
                    CUBLAS_STATUS_NOT_SUPPORTED);
    uint32_t alignment = 16;
    CHECK_EQ_STATUS(cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &alignment,
                                                         sizeof(alignment)),  // uint64_t expected
                    CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatrixLayout_t l;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    CHECK_EQ_STATUS(cublasLtMatrixLayoutSetAttribute(l, static_cast<cublasLtMatrixLayoutAttribute_t>(42), &alignment,
                                                     sizeof(alignment)),
                    CUBLAS_STATUS_INVALID_VALUE);

    cublasLtMatmulHeuristicResult_t result;
    int found = -1;
    auto heuristic = [&] { return cublasLtMatmulAlgoGetHeuristic(handle.value, op, l, l, l, l, preference, 1, &result, &found); };
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_SUCCESS);
    // Values the stand-in does not implement: NOT_SUPPORTED, no algorithm.
    cublasLtEpilogue_t gelu = CUBLASLT_EPILOGUE_GELU_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &gelu, sizeof(gelu));
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_NOT_SUPPORTED);
    CHECK(found == 0);
    cublasLtEpilogue_t plain = CUBLASLT_EPILOGUE_DEFAULT;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &plain, sizeof(plain));
    int32_t device_pointers = CUBLASLT_POINTER_MODE_DEVICE;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_POINTER_MODE, &device_pointers, sizeof(device_pointers));
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_NOT_SUPPORTED);
    int32_t host_pointers = CUBLASLT_POINTER_MODE_HOST;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_POINTER_MODE, &host_pointers, sizeof(host_pointers));
    int32_t row = CUBLASLT_ORDER_ROW;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ORDER, &row, sizeof(row));
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_NOT_SUPPORTED);
    int32_t col = CUBLASLT_ORDER_COL;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ORDER, &col, sizeof(col));
    uint32_t half = CUDA_R_16F;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_TYPE, &half, sizeof(half));
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_NOT_SUPPORTED);
    uint32_t single = CUDA_R_32F;
    cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_TYPE, &single, sizeof(single));
    CHECK_EQ_STATUS(heuristic(), CUBLAS_STATUS_SUCCESS);
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(op);

    cublasLtMatmulDesc_t half_compute;
    cublasLtMatmulDescCreate(&half_compute, CUBLAS_COMPUTE_16F, CUDA_R_16F);
    cublasLtMatrixLayout_t l2;
    cublasLtMatrixLayoutCreate(&l2, CUDA_R_32F, 4, 4, 4);
    cublasLtMatmulPreferenceCreate(&preference);
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle.value, half_compute, l2, l2, l2, l2, preference, 1, &result, &found),
                    CUBLAS_STATUS_NOT_SUPPORTED);
    cublasLtMatrixLayoutDestroy(l2);
    cublasLtMatmulPreferenceDestroy(preference);
    cublasLtMatmulDescDestroy(half_compute);
}

void test_handles_and_algorithms() {
    cublasLtHandle_t handle = nullptr;
    CHECK_EQ_STATUS(cublasLtCreate(&handle), CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(cublasLtCreate(nullptr), CUBLAS_STATUS_INVALID_VALUE);
    Device x(16), y(16), z(16);  // before `dead` is freed, so that nothing reuses its address
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatrixLayout_t l, dead;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    cublasLtMatrixLayoutCreate(&dead, CUDA_R_32F, 4, 4, 4);
    CHECK_EQ_STATUS(cublasLtMatrixLayoutDestroy(dead), CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(cublasLtMatrixLayoutDestroy(dead), CUBLAS_STATUS_INVALID_VALUE);  // twice
    CHECK_EQ_STATUS(cublasLtMatrixLayoutDestroy(nullptr), CUBLAS_STATUS_SUCCESS);
    float alpha = 1.0f, beta = 0.0f;
    auto matmul = [&](cublasLtHandle_t h, cublasLtMatrixLayout_t a, const cublasLtMatmulAlgo_t* algo) {
        return cublasLtMatmul(h, op, &alpha, x.data, a, y.data, l, &beta, z.data, l, z.data, l, algo, nullptr, 0, nullptr);
    };
    CHECK_EQ_STATUS(matmul(handle, dead, nullptr), CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatmulAlgo_t garbage{};
    CHECK_EQ_STATUS(matmul(handle, l, &garbage), CUBLAS_STATUS_INVALID_VALUE);
    // An algorithm found without the bias epilogue does not run one with it.
    cublasLtMatmulPreference_t preference;
    cublasLtMatmulPreferenceCreate(&preference);
    uint64_t no_workspace = 0;
    cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &no_workspace, sizeof(no_workspace));
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle, op, l, l, l, l, preference, 1, &result, &found),
                    CUBLAS_STATUS_SUCCESS);
    CHECK(result.workspaceSize == 0);
    CHECK_EQ_STATUS(matmul(handle, l, &result.algo), CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
    const float* bias = y.data;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias));
    CHECK_EQ_STATUS(matmul(handle, l, &result.algo), CUBLAS_STATUS_NOT_SUPPORTED);
    CHECK_EQ_STATUS(cublasLtMatmulAlgoGetHeuristic(handle, op, l, l, l, l, preference, 0, &result, &found),
                    CUBLAS_STATUS_INVALID_VALUE);
    cublasLtMatmulPreferenceDestroy(preference);

    CHECK_EQ_STATUS(cublasLtDestroy(handle), CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(matmul(handle, l, nullptr), CUBLAS_STATUS_NOT_INITIALIZED);  // destroyed handle
    CHECK_EQ_STATUS(cublasLtDestroy(handle), CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK_EQ_STATUS(cublasLtDestroy(nullptr), CUBLAS_STATUS_NOT_INITIALIZED);
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulDescDestroy(op);
    CHECK(cublasLtGetVersion() == 0);
}

// ---- TF32 ----

float from_bits(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

void test_tf32_rounding() {
    // Through the public path: 1 + 2^-12 has only bits below TF32's 10 mantissa bits.
    Handle handle;
    Device a(4), b(4), c(4);
    a.data[0] = 1.0f + std::ldexp(1.0f, -12);
    b.data[0] = 1.0f;
    cublasLtMatmulDesc_t fp32, tf32;
    cublasLtMatmulDescCreate(&fp32, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtMatmulDescCreate(&tf32, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F);
    cublasLtMatrixLayout_t one;
    cublasLtMatrixLayoutCreate(&one, CUDA_R_32F, 1, 1, 1);
    float alpha = 1.0f, beta = 0.0f;
    cublasLtMatmul(handle.value, fp32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == 1.0f + std::ldexp(1.0f, -12));
    cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == 1.0f);
    // Round to nearest: 1 + 3 * 2^-12 is nearer to 1 + 2^-10 than to 1.
    a.data[0] = 1.0f + 3.0f * std::ldexp(1.0f, -12);
    cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == 1.0f + std::ldexp(1.0f, -10));
    // Ties to even: 1 + 2^-11 goes down to 1 (even), 1 + 3 * 2^-11 up to 1 + 2^-9 (even).
    a.data[0] = 1.0f + std::ldexp(1.0f, -11);
    cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == 1.0f);
    a.data[0] = 1.0f + 3.0f * std::ldexp(1.0f, -11);
    cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == 1.0f + std::ldexp(1.0f, -9));
    // B is rounded too; C is not (beta C is added in full precision).
    a.data[0] = 1.0f;
    b.data[0] = -(1.0f + std::ldexp(1.0f, -12));
    c.data[0] = std::ldexp(1.0f, -20);
    beta = 1.0f;
    cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                   nullptr, 0, nullptr);
    CHECK(c.data[0] == -1.0f + std::ldexp(1.0f, -20));
    CHECK(no_fault());
    cublasLtMatrixLayoutDestroy(one);
    cublasLtMatmulDescDestroy(fp32);
    cublasLtMatmulDescDestroy(tf32);

    // Larger shapes against the naive loop with its own (arithmetic) TF32 rounding.
    CHECK(matches_naive(shape(false, true, 33, 17, 40, 2, 1, 1.0f), false, 500, false, CUBLAS_COMPUTE_32F_FAST_TF32));
    CHECK(matches_naive(shape(true, false, 9, 70, 65, 1, 0, 0.0f), true, 501, false, CUBLAS_COMPUTE_32F_FAST_TF32));
}

void test_tf32_special_values() {
    // Infinity stays infinite; a NaN whose payload is only in the dropped bits stays NaN; the
    // largest float rounds up to infinity, as round-to-nearest does.
    Handle handle;
    Device a(4), b(4), c(4);
    cublasLtMatmulDesc_t tf32;
    cublasLtMatmulDescCreate(&tf32, CUBLAS_COMPUTE_32F_FAST_TF32, CUDA_R_32F);
    cublasLtMatrixLayout_t one;
    cublasLtMatrixLayoutCreate(&one, CUDA_R_32F, 1, 1, 1);
    float alpha = 1.0f, beta = 0.0f;
    auto product = [&](float x) {
        a.data[0] = x;
        b.data[0] = 1.0f;
        cublasLtMatmul(handle.value, tf32, &alpha, a.data, one, b.data, one, &beta, c.data, one, c.data, one, nullptr,
                       nullptr, 0, nullptr);
        return c.data[0];
    };
    CHECK(std::isinf(product(std::numeric_limits<float>::infinity())));
    CHECK(std::isnan(product(from_bits(0x7F800001u))));
    CHECK(std::isinf(product(std::numeric_limits<float>::max())));
    CHECK(product(-2.5f) == -2.5f);
    CHECK(no_fault());
    cublasLtMatrixLayoutDestroy(one);
    cublasLtMatmulDescDestroy(tf32);
}

// ---- the switch ----

void test_no_bias_epilogue_switch() {
    Handle handle;
    RowGemm g = shape(false, true, 4, 8, 4, 1, 0, 0.0f);
    Device a(64), b(64), c(64), bias(8);
    setenv("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE", "1", 1);
    Outcome with_bias = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data);
    CHECK_EQ_STATUS(with_bias.heuristic, CUBLAS_STATUS_NOT_SUPPORTED);
    CHECK(with_bias.found == 0);
    CHECK(!with_bias.ran);
    CHECK(matches_naive(g, false, 600));  // no bias: unaffected
    unsetenv("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE");
    Outcome again = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data);
    CHECK_EQ_STATUS(again.heuristic, CUBLAS_STATUS_SUCCESS);
    CHECK_EQ_STATUS(again.matmul, CUBLAS_STATUS_SUCCESS);
    CHECK(no_fault());
}

// ---- speed (BN_SIM_CUBLASLT_BENCH=1) ----

void bench(const char* name, RowGemm g) {
    Handle handle;
    Device a(span_a(g)), b(span_b(g)), c(span_c(g));
    a.upload(random_values(a.count, 7));
    b.upload(random_values(b.count, 8));
    c.upload(std::vector<float>(c.count, 0.0f));
    double seconds = 1e30;
    for (int repeat = 0; repeat < 3; repeat++) {  // the best of three
        std::clock_t start = std::clock();  // CPU time: the machine may be shared
        Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
        double took = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
        seconds = took < seconds ? took : seconds;
        CHECK_EQ_STATUS(outcome.matmul, CUBLAS_STATUS_SUCCESS);
    }
    double flops = 2.0 * g.M * g.N * g.K * g.batch;
    std::printf("bench %-28s M=%d N=%d K=%d batch=%d: %.3f s CPU (%.2f GFLOP/s)\n", name, g.M, g.N, g.K, g.batch, seconds,
                flops / seconds * 1e-9);
}

}  // namespace

int main() {
    test_layouts_against_naive();
    test_beta_zero_ignores_nan_in_c();
    test_beta_one_accumulates_in_place();
    test_interleaved_heads();
    test_input_broadcast_stride_zero();
    test_out_of_place_and_in_place_layout_rules();
    test_k_zero_scales_c();
    test_leading_dimension_below_rows();
    test_overlapping_output_batches();
    test_sizes_and_batches_must_agree();
    test_under_aligned_pointer();
    test_pointer_outside_allocations_faults();
    test_bias_pointer_rules();
    test_workspace_rules();
    test_unsupported_attributes_and_values();
    test_handles_and_algorithms();
    test_tf32_rounding();
    test_tf32_special_values();
    test_no_bias_epilogue_switch();
    const char* run_bench = std::getenv("BN_SIM_CUBLASLT_BENCH");
    if (run_bench && std::strcmp(run_bench, "1") == 0) {
        bench("linear (tokens x hidden)", shape(false, true, 2048, 128, 128, 1, 0, 0.0f));
        bench("weight gradient", shape(true, false, 128, 128, 2048, 1, 0, 1.0f));
        bench("decoder (tokens x vocab)", shape(false, true, 320, 20256, 128, 1, 0, 0.0f));
        bench("attention scores", shape(false, true, 128, 128, 32, 64, 0, 0.0f));
    }
    std::printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
