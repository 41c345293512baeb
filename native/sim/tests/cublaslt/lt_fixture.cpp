// See lt_fixture.h.
#include "lt_fixture.h"

#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

namespace lt_test {

const char* status_name(cublasStatus_t status) {
    switch (status) {
#define LT_TEST_NAME(s) case s: return #s;
        LT_TEST_NAME(CUBLAS_STATUS_SUCCESS) LT_TEST_NAME(CUBLAS_STATUS_NOT_INITIALIZED)
        LT_TEST_NAME(CUBLAS_STATUS_ALLOC_FAILED) LT_TEST_NAME(CUBLAS_STATUS_INVALID_VALUE)
        LT_TEST_NAME(CUBLAS_STATUS_ARCH_MISMATCH) LT_TEST_NAME(CUBLAS_STATUS_MAPPING_ERROR)
        LT_TEST_NAME(CUBLAS_STATUS_EXECUTION_FAILED) LT_TEST_NAME(CUBLAS_STATUS_INTERNAL_ERROR)
        LT_TEST_NAME(CUBLAS_STATUS_NOT_SUPPORTED) LT_TEST_NAME(CUBLAS_STATUS_LICENSE_ERROR)
#undef LT_TEST_NAME
    }
    return "unknown cublasStatus_t";
}

DeviceFloats::DeviceFloats(size_t n) : count(n) {
    cudaError_t error = cudaMalloc(&data, n * sizeof(float));
    if (error != cudaSuccess)
        ::bn_sim_tests::fail(std::string("cudaMalloc of ") + std::to_string(n) + " floats: " + cudaGetErrorName(error),
                             __FILE__, __LINE__);
}

DeviceFloats::~DeviceFloats() { cudaFree(data); }

void DeviceFloats::upload(const std::vector<float>& host) {
    OK(cudaMemcpy(data, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice));
}

std::vector<float> DeviceFloats::download() const {
    std::vector<float> host(count);
    OK(cudaMemcpy(host.data(), data, count * sizeof(float), cudaMemcpyDeviceToHost));
    return host;
}

Handle::Handle() { CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtCreate(&value)); }
Handle::~Handle() { cublasLtDestroy(value); }

std::vector<float> random_values(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> out(n);
    for (float& x : out) x = value(rng);
    return out;
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

bool matches_naive(const RowGemm& g, bool with_bias, unsigned seed, bool nan_in_c, cublasComputeType_t compute) {
    Handle handle;
    std::vector<float> a = random_values(span_a(g), seed), b = random_values(span_b(g), seed + 1),
                       c = random_values(span_c(g), seed + 2), bias = random_values(g.N, seed + 3);
    if (nan_in_c) c.assign(c.size(), std::numeric_limits<float>::quiet_NaN());
    DeviceFloats da(a.size()), db(b.size()), dc(c.size()), dbias(bias.size());
    da.upload(a);
    db.upload(b);
    dc.upload(c);
    dbias.upload(bias);
    Options options;
    options.compute = compute;
    Outcome outcome = run_row_major(handle.value, g, da.data, db.data, dc.data, with_bias ? dbias.data : nullptr, options);
    bool ok = outcome.heuristic == CUBLAS_STATUS_SUCCESS && outcome.found == 1 && outcome.matmul == CUBLAS_STATUS_SUCCESS;
    if (!ok)
        std::fprintf(stderr, "heuristic %s (%d found), matmul %s\n", status_name(outcome.heuristic), outcome.found,
                     status_name(outcome.matmul));
    std::vector<float> actual = dc.download();  // runs the queued matmul
    cudaError_t fault = cudaDeviceSynchronize();
    if (fault != cudaSuccess) {
        std::fprintf(stderr, "unexpected fault: %s\n", cudaGetErrorString(fault));
        ok = false;
    }
    std::vector<float> expected = naive(g, a, b, c, with_bias ? bias.data() : nullptr, compute == CUBLAS_COMPUTE_32F_FAST_TF32);
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

}  // namespace lt_test
