// Integration test of the cuBLASLt stand-in inside the simulation build: drives
// libbertnative_kernels_sim.so through the C ABI (bertnative.h), so gemm.cu itself, the
// simulated runtime and the stand-in run together. Needs the merged native/sim (run.sh builds it
// when native/sim/CMakeLists.txt is there) and BERTNATIVE_CUDA_SIM=1.
#include "bertnative.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

int checks = 0, failures = 0;

#define CHECK(condition)                                                                             \
    do {                                                                                             \
        checks++;                                                                                    \
        if (!(condition)) {                                                                          \
            failures++;                                                                              \
            std::fprintf(stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, #condition, bn_last_error()); \
        }                                                                                            \
    } while (0)

std::vector<float> random_values(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    std::vector<float> out(n);
    for (float& x : out) x = value(rng);
    return out;
}

float* upload(const std::vector<float>& host, size_t extra = 0) {
    void* device = nullptr;
    if (bn_malloc(&device, static_cast<int64_t>((host.size() + extra) * sizeof(float))) != BN_OK) return nullptr;
    bn_memcpy_htod(device, host.data(), static_cast<int64_t>(host.size() * sizeof(float)), nullptr);
    return static_cast<float*>(device);
}

std::vector<float> download(const float* device, size_t n) {
    std::vector<float> host(n);
    bn_memcpy_dtoh(host.data(), device, static_cast<int64_t>(n * sizeof(float)), nullptr);
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
void test_linear(int precision, unsigned seed) {
    const int N = 37, I = 24, O = 20;
    bn_context* context = nullptr;
    CHECK(bn_context_create(&context, precision) == BN_OK);
    std::vector<float> input = random_values(N * I, seed), weight = random_values(O * I, seed + 1),
                       bias = random_values(O + 1, seed + 2), dout = random_values(N * O, seed + 3);
    float* d_input = upload(input);
    float* d_weight = upload(weight);
    float* d_bias = upload(bias);
    float* d_out = upload(std::vector<float>(N * O));
    bool round = precision == BN_PRECISION_TF32;
    double tolerance = round ? 1e-6 : 1e-6;

    CHECK(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias, N, I, O, nullptr) == BN_OK);
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data(), N, I, O, round), tolerance));
    CHECK(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias + 1, N, I, O, nullptr) == BN_OK);
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data() + 1, N, I, O, round), tolerance));

    // dinput[N,I] = dout[N,O] weight[O,I]; dweight[O,I] += dout^T input (from zero).
    float* d_dout = upload(dout);
    float* d_dinput = upload(std::vector<float>(N * I));
    float* d_dweight = upload(std::vector<float>(O * I, 0.0f));
    CHECK(bn_matmul_backward(context, d_dinput, 0, d_dweight, nullptr, d_dout, d_input, d_weight, N, I, O, nullptr) == BN_OK);
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
    for (float* p : {d_input, d_weight, d_bias, d_out, d_dout, d_dinput, d_dweight}) bn_free(p);
    CHECK(bn_context_destroy(context) == BN_OK);
}

// BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1: the same forward through gemm.cu's add_bias_kernel.
void test_no_bias_epilogue_switch() {
    const int N = 8, I = 16, O = 12;
    setenv("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE", "1", 1);
    bn_context* context = nullptr;
    CHECK(bn_context_create(&context, BN_PRECISION_FP32) == BN_OK);
    std::vector<float> input = random_values(N * I, 9), weight = random_values(O * I, 10), bias = random_values(O, 11);
    float* d_input = upload(input);
    float* d_weight = upload(weight);
    float* d_bias = upload(bias);
    float* d_out = upload(std::vector<float>(N * O));
    CHECK(bn_matmul_forward(context, d_out, d_input, d_weight, d_bias, N, I, O, nullptr) == BN_OK);
    CHECK(close(download(d_out, N * O), linear(input, weight, bias.data(), N, I, O, false), 1e-6));
    for (float* p : {d_input, d_weight, d_bias, d_out}) bn_free(p);
    CHECK(bn_context_destroy(context) == BN_OK);
    unsetenv("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE");
}

// Attention runs its per-head strided batches through the stand-in; outputs must be written
// (the simulator fills new allocations with NaN) and finite.
void test_attention_runs() {
    const int B = 2, T = 8, H = 16, heads = 2;
    bn_context* context = nullptr;
    CHECK(bn_context_create(&context, BN_PRECISION_FP32) == BN_OK);
    float* qkv = upload(random_values(B * T * 3 * H, 20));
    void* lens = nullptr;
    int valid[B] = {T, 5};
    bn_malloc(&lens, sizeof(valid));
    bn_memcpy_htod(lens, valid, sizeof(valid), nullptr);
    void* out = nullptr;
    void* probs = nullptr;
    bn_malloc(&out, B * T * H * sizeof(float));
    bn_malloc(&probs, static_cast<int64_t>(B) * heads * T * T * sizeof(float));
    CHECK(bn_attention_forward(context, static_cast<float*>(out), static_cast<float*>(probs), qkv,
                               static_cast<const int*>(lens), B, T, H, heads, 0.0f, 0, 0, 1.0f, nullptr) == BN_OK);
    bool finite = true;
    for (float x : download(static_cast<float*>(out), B * T * H)) finite = finite && std::isfinite(x);
    CHECK(finite);
    for (void* p : {static_cast<void*>(qkv), lens, out, probs}) bn_free(p);
    CHECK(bn_context_destroy(context) == BN_OK);
}

// A GEMM reading host memory faults like a kernel: the op (with BERTNATIVE_CUDA_SYNC=1) or the
// next call reports cudaErrorIllegalAddress. Last: the device is lost afterwards.
void test_fault_is_reported() {
    const int N = 4, I = 8, O = 4;
    bn_context* context = nullptr;
    CHECK(bn_context_create(&context, BN_PRECISION_FP32) == BN_OK);
    std::vector<float> host_input = random_values(N * I + 64, 30);
    float* d_weight = upload(random_values(O * I, 31));
    float* d_out = upload(std::vector<float>(N * O));
    int status = bn_matmul_forward(context, d_out, host_input.data(), d_weight, nullptr, N, I, O, nullptr);
    if (status == BN_OK) status = bn_stream_synchronize(nullptr);
    CHECK(status == BN_ERR_CUDA);
    CHECK(std::string(bn_last_error()).find("cudaErrorIllegalAddress") != std::string::npos);
}

}  // namespace

int main() {
    CHECK(bn_set_device(0) == BN_OK);
    int64_t version = -1;
    CHECK(bn_cublaslt_version(&version) == BN_OK && version == 0);
    test_linear(BN_PRECISION_FP32, 1);
    test_linear(BN_PRECISION_TF32, 2);
    test_no_bias_epilogue_switch();
    test_attention_runs();
    test_fault_is_reported();
    std::printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
