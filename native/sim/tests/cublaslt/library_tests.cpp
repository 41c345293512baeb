// The cuBLASLt stand-in inside the kernel library: libbertnative_kernels_sim.so driven through its C ABI
// (bertnative.h), so gemm.cu itself, the library's own copy of the simulated runtime and the stand-in
// run together (as kernel_library_tests.cpp does for the kernels).
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "../harness.h"
#include "bertnative.h"
#include "lt_fixture.h"

// A C ABI call that must succeed; the failure names the library's last error.
#define CHECK_BN(call)                                                                                        \
    do {                                                                                                      \
        if ((call) != BN_OK) ::bn_sim_tests::fail(std::string(#call) + " failed: " + bn_last_error(), __FILE__, __LINE__); \
    } while (0)

namespace {

using lt_test::random_values;

float* upload(const std::vector<float>& host) {
    void* device = nullptr;
    CHECK_BN(bn_malloc(&device, static_cast<int64_t>(host.size() * sizeof(float))));
    CHECK_BN(bn_memcpy_htod(device, host.data(), static_cast<int64_t>(host.size() * sizeof(float)), nullptr));
    return static_cast<float*>(device);
}

std::vector<float> download(const float* device, size_t n) {
    std::vector<float> host(n);
    CHECK_BN(bn_memcpy_dtoh(host.data(), device, static_cast<int64_t>(n * sizeof(float)), nullptr));
    return host;
}

double tf32(float x) {
    if (!std::isfinite(x) || x == 0.0f) return x;
    int exponent;
    std::frexp(x, &exponent);
    double quantum = std::ldexp(1.0, exponent - 11);
    return std::nearbyint(x / quantum) * quantum;
}

// output[N,O] = input[N,I] weight[O,I]^T + bias[O], in double.
std::vector<double> linear(const std::vector<float>& input, const std::vector<float>& weight, const float* bias, int N,
                           int I, int O, bool round) {
    std::vector<double> out(static_cast<size_t>(N) * O);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < O; o++) {
            double sum = 0;
            for (int i = 0; i < I; i++) {
                double a = input[n * I + i], w = weight[o * I + i];
                sum += round ? tf32(static_cast<float>(a)) * tf32(static_cast<float>(w)) : a * w;
            }
            out[n * O + o] = sum + (bias ? bias[o] : 0.0);
        }
    return out;
}

bool close(const std::vector<float>& actual, const std::vector<double>& expected, double tolerance) {
    for (size_t i = 0; i < actual.size(); i++)
        if (!(std::fabs(actual[i] - expected[i]) <= tolerance * (1.0 + std::fabs(expected[i])))) {
            std::fprintf(stderr, "element %zu: %.9g, expected %.9g\n", i, actual[i], expected[i]);
            return false;
        }
    return true;
}

// Forward with the bias epilogue (aligned bias), with gemm.cu's bias kernel (bias 4 bytes off),
// then backward (dinput =, dweight +=), on one context.
void check_linear(int precision, unsigned seed) {
    const int N = 37, I = 24, O = 20;
    CHECK_BN(bn_set_device(0));
    bn_context* context = nullptr;
    CHECK_BN(bn_context_create(&context, precision));
    std::vector<float> input = random_values(N * I, seed), weight = random_values(O * I, seed + 1),
                       bias = random_values(O + 1, seed + 2), dout = random_values(N * O, seed + 3);
    float* d_input = upload(input);
    float* d_weight = upload(weight);
    float* d_bias = upload(bias);
    float* d_out = upload(std::vector<float>(N * O));
    bool round = precision == BN_PRECISION_TF32;

    CHECK_BN(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias, N, I, O, nullptr));
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data(), N, I, O, round), 1e-6));
    CHECK_BN(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias + 1, N, I, O, nullptr));
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data() + 1, N, I, O, round), 1e-6));

    // dinput[N,I] = dout[N,O] weight[O,I]; dweight[O,I] += dout^T input (from zero).
    float* d_dout = upload(dout);
    float* d_dinput = upload(std::vector<float>(N * I));
    float* d_dweight = upload(std::vector<float>(O * I, 0.0f));
    CHECK_BN(bn_matmul_backward(context, d_dinput, 0, d_dweight, nullptr, d_dout, d_input, d_weight, N, I, O, nullptr));
    std::vector<double> dinput(N * I, 0.0), dweight(O * I, 0.0);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < I; i++)
            for (int o = 0; o < O; o++) {
                double g = round ? tf32(dout[n * O + o]) : dout[n * O + o];
                dinput[n * I + i] += g * (round ? tf32(weight[o * I + i]) : weight[o * I + i]);
                dweight[o * I + i] += g * (round ? tf32(input[n * I + i]) : input[n * I + i]);
            }
    CHECK(close(download(d_dinput, N * I), dinput, 1e-6));
    CHECK(close(download(d_dweight, O * I), dweight, 1e-6));
    for (float* p : {d_input, d_weight, d_bias, d_out, d_dout, d_dinput, d_dweight}) CHECK_BN(bn_free(p));
    CHECK_BN(bn_context_destroy(context));
}

}  // namespace

// No real cuBLASLt version: 0 marks the stand-in.
BN_TEST(cublaslt_library_reports_the_stand_in) {
    CHECK_BN(bn_set_device(0));
    int64_t version = -1;
    CHECK_BN(bn_cublaslt_version(&version));
    CHECK(version == 0);
}

BN_TEST(cublaslt_library_linear_fp32) { check_linear(BN_PRECISION_FP32, 1); }

BN_TEST(cublaslt_library_linear_tf32) { check_linear(BN_PRECISION_TF32, 2); }

// BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1: the same forward through gemm.cu's add_bias_kernel.
BN_TEST(cublaslt_library_without_bias_epilogue) {
    bn_sim_tests::env("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE", "1");
    const int N = 8, I = 16, O = 12;
    CHECK_BN(bn_set_device(0));
    bn_context* context = nullptr;
    CHECK_BN(bn_context_create(&context, BN_PRECISION_FP32));
    std::vector<float> input = random_values(N * I, 9), weight = random_values(O * I, 10), bias = random_values(O, 11);
    float* d_input = upload(input);
    float* d_weight = upload(weight);
    float* d_bias = upload(bias);
    float* d_out = upload(std::vector<float>(N * O));
    CHECK_BN(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias, N, I, O, nullptr));
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data(), N, I, O, false), 1e-6));
    for (float* p : {d_input, d_weight, d_bias, d_out}) CHECK_BN(bn_free(p));
    CHECK_BN(bn_context_destroy(context));
}

// Attention runs its per-head strided batches through the stand-in; outputs must be written
// (the simulator fills new allocations with NaN) and finite.
BN_TEST(cublaslt_library_attention_runs) {
    const int B = 2, T = 8, H = 16, heads = 2;
    CHECK_BN(bn_set_device(0));
    bn_context* context = nullptr;
    CHECK_BN(bn_context_create(&context, BN_PRECISION_FP32));
    float* qkv = upload(random_values(B * T * 3 * H, 20));
    void* lens = nullptr;
    int valid[B] = {T, 5};
    CHECK_BN(bn_malloc(&lens, sizeof(valid)));
    CHECK_BN(bn_memcpy_htod(lens, valid, sizeof(valid), nullptr));
    void* out = nullptr;
    void* probs = nullptr;
    CHECK_BN(bn_malloc(&out, B * T * H * sizeof(float)));
    CHECK_BN(bn_malloc(&probs, static_cast<int64_t>(B) * heads * T * T * sizeof(float)));
    CHECK_BN(bn_attention_forward(context, static_cast<float*>(out), static_cast<float*>(probs), qkv,
                                  static_cast<const int*>(lens), nullptr, B, T, H, heads, 0.0f, 0, 0, 1.0f, nullptr));
    bool finite = true;
    for (float x : download(static_cast<float*>(out), B * T * H)) finite = finite && std::isfinite(x);
    CHECK(finite);
    for (void* p : {static_cast<void*>(qkv), lens, out, probs}) CHECK_BN(bn_free(p));
    CHECK_BN(bn_context_destroy(context));
}

// A GEMM reading host memory faults like a kernel: the op (with BERTNATIVE_CUDA_SYNC=1) or the
// next call reports cudaErrorIllegalAddress.
BN_TEST(cublaslt_library_fault_is_reported) {
    const int N = 4, I = 8, O = 4;
    CHECK_BN(bn_set_device(0));
    bn_context* context = nullptr;
    CHECK_BN(bn_context_create(&context, BN_PRECISION_FP32));
    std::vector<float> host_input = random_values(N * I + 64, 30);
    float* d_weight = upload(random_values(O * I, 31));
    float* d_out = upload(std::vector<float>(N * O));
    int status = bn_matmul_forward(context, d_out, host_input.data(), d_weight, nullptr, N, I, O, nullptr);
    if (status == BN_OK) status = bn_stream_synchronize(nullptr);
    CHECK(status == BN_ERR_CUDA);
    CHECK_CONTAINS(std::string(bn_last_error()), "cudaErrorIllegalAddress");
}
