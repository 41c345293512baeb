// Device-side semantics: barriers, warp shuffles, block order, launch configuration, guard pages.
#include <algorithm>
#include <cmath>
#include <vector>

#include "common.cuh"  // the library's own device helpers (bn::warp_sum)
#include "harness.h"

namespace {

// BN_LAUNCH (common.cuh) without shared memory, on the legacy stream.
#define LAUNCH(kernel, grid, block, ...) BN_SIM_LAUNCH(kernel, grid, block, 0, nullptr, __VA_ARGS__)

std::string fault_text(cudaError_t error) { return cudaGetErrorString(error); }

__global__ void diverging_barriers(int* out) {
    if (threadIdx.x % 2 == 0) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1;
}

__global__ void barrier_against_shuffle(float* out) {
    float value = 1.0f;
    if (threadIdx.x < 16) __syncthreads();
    else value = __shfl_xor_sync(0xffffffffu, value, 1);
    out[threadIdx.x] = value;
}

__global__ void shuffle_after_exit(float* out) {
    if (threadIdx.x == 5) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.0f, 1);
}

__global__ void shuffle_outside_mask(float* out) {
    out[threadIdx.x] = __shfl_xor_sync(0xfffffffeu, 1.0f, 1);
}

__device__ float local_warp_sum(float value) {
    return bn::warp_sum(value);  // the library's own
}

__global__ void warp_sums(float* out, const float* in) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    out[i] = local_warp_sum(in[i]);
}

// Half-warp shuffles of doubles: lanes 0-15 with mask 0xffff, 16-31 with 0xffff0000.
__global__ void half_warp_doubles(double* out) {
    unsigned mask = threadIdx.x < 16 ? 0x0000ffffu : 0xffff0000u;
    double value = threadIdx.x;
    for (int offset = 8; offset > 0; offset >>= 1) value += __shfl_xor_sync(mask, value, offset);
    out[threadIdx.x] = value;
}

// A shared-memory tree over 1024 threads with a barrier per level (as column_partials_kernel).
__global__ void block_tree_sum(float* out) {
    __shared__ float partial[1024];
    int t = threadIdx.y * 32 + threadIdx.x;
    partial[t] = static_cast<float>(t + blockIdx.x);
    __syncthreads();
    for (int half = 512; half > 0; half >>= 1) {
        if (t < half) partial[t] += partial[t + half];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = partial[0];
}

__global__ void record_block_order(int* order, int* counter) {
    if (threadIdx.x == 0) order[atomicAdd(counter, 1)] = static_cast<int>(blockIdx.x);
}

__global__ void write_index(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = static_cast<float>(i);
}

__global__ void nothing(int) {}

std::vector<float> download(const float* device, size_t n) {
    std::vector<float> host(n);
    OK(cudaMemcpy(host.data(), device, n * sizeof(float), cudaMemcpyDeviceToHost));
    return host;
}

}  // namespace

BN_TEST(no_device_without_env) {
    bn_sim_tests::env("BERTNATIVE_CUDA_SIM", nullptr);
    int count = -1;
    CHECK_CUDA(cudaErrorNoDevice, cudaGetDeviceCount(&count));
    CHECK(count == 0);
    void* p = nullptr;
    CHECK_CUDA(cudaErrorNoDevice, cudaMalloc(&p, 16));
    CHECK_CUDA(cudaErrorNoDevice, cudaSetDevice(0));
}

BN_TEST(device_properties) {
    int count = 0;
    OK(cudaGetDeviceCount(&count));
    CHECK(count == 2);
    cudaDeviceProp props;
    OK(cudaGetDeviceProperties(&props, 1));
    CHECK_CONTAINS(props.name, "CPU simulation");
    int major = 0, minor = -1, sms = 0;
    OK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0));
    OK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0));
    OK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    CHECK(major == 9 && minor == 0 && sms == 4);
    CHECK_CUDA(cudaErrorInvalidDevice, cudaSetDevice(2));
}

BN_TEST(barrier_divergence) {
    int* out = nullptr;
    OK(cudaMalloc(&out, 64 * sizeof(int)));
    LAUNCH(diverging_barriers, 1, 64, out);
    OK(cudaGetLastError());
    CHECK_CUDA(cudaErrorLaunchFailure, cudaDeviceSynchronize());
    std::string text = fault_text(cudaErrorLaunchFailure);
    CHECK_CONTAINS(text, "barrier divergence");
    CHECK_CONTAINS(text, "kernel diverging_barriers");
    CHECK_CONTAINS(text, "device_tests.cpp:");
    CHECK_CONTAINS(text, "block (0,0,0)");
}

BN_TEST(barrier_deadlock) {
    float* out = nullptr;
    OK(cudaMalloc(&out, 32 * sizeof(float)));
    LAUNCH(barrier_against_shuffle, 1, 32, out);
    CHECK_CUDA(cudaErrorLaunchFailure, cudaDeviceSynchronize());
    std::string text = fault_text(cudaErrorLaunchFailure);
    CHECK_CONTAINS(text, "deadlock");
    CHECK_CONTAINS(text, "__syncthreads");
    CHECK_CONTAINS(text, "kernel barrier_against_shuffle");
}

BN_TEST(shuffle_exited_lane) {
    float* out = nullptr;
    OK(cudaMalloc(&out, 32 * sizeof(float)));
    LAUNCH(shuffle_after_exit, 1, 32, out);
    CHECK_CUDA(cudaErrorLaunchFailure, cudaDeviceSynchronize());
    CHECK_CONTAINS(fault_text(cudaErrorLaunchFailure), "names lane 5, which has exited");
}

BN_TEST(shuffle_lane_outside_mask) {
    float* out = nullptr;
    OK(cudaMalloc(&out, 32 * sizeof(float)));
    LAUNCH(shuffle_outside_mask, 1, 32, out);
    CHECK_CUDA(cudaErrorLaunchFailure, cudaDeviceSynchronize());
    std::string text = fault_text(cudaErrorLaunchFailure);
    CHECK_CONTAINS(text, "called by lane 0, outside its mask 0xfffffffe");
    CHECK_CONTAINS(text, "thread (0,0,0)");
}

BN_TEST(warp_sum) {
    const int n = 256;
    std::vector<float> host(n);
    for (int i = 0; i < n; i++) host[static_cast<size_t>(i)] = static_cast<float>(i % 7) - 2.5f;
    float *in = nullptr, *out = nullptr;
    OK(cudaMalloc(&in, n * sizeof(float)));
    OK(cudaMalloc(&out, n * sizeof(float)));
    OK(cudaMemcpy(in, host.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    LAUNCH(warp_sums, 2, 128, out, in);
    OK(cudaGetLastError());
    std::vector<float> got = download(out, n);
    for (int warp = 0; warp < n / 32; warp++) {
        float expected = 0.0f;
        for (int lane = 0; lane < 32; lane++) expected += host[static_cast<size_t>(warp * 32 + lane)];
        for (int lane = 0; lane < 32; lane++) CHECK(std::fabs(got[static_cast<size_t>(warp * 32 + lane)] - expected) < 1e-4f);
    }
    double* doubles = nullptr;
    OK(cudaMalloc(&doubles, 32 * sizeof(double)));
    LAUNCH(half_warp_doubles, 1, 32, doubles);
    std::vector<double> sums(32);
    OK(cudaMemcpy(sums.data(), doubles, 32 * sizeof(double), cudaMemcpyDeviceToHost));
    for (int lane = 0; lane < 32; lane++) CHECK(sums[static_cast<size_t>(lane)] == (lane < 16 ? 120.0 : 376.0));
}

BN_TEST(block_barriers_1024_threads) {
    float* out = nullptr;
    OK(cudaMalloc(&out, 3 * sizeof(float)));
    LAUNCH(block_tree_sum, 3, dim3(32, 32), out);
    std::vector<float> got = download(out, 3);
    for (int b = 0; b < 3; b++) CHECK(got[static_cast<size_t>(b)] == 1023.0f * 1024.0f / 2.0f + 1024.0f * b);
}

BN_TEST(block_order_random) {
    bn_sim_tests::env("BN_SIM_BLOCK_ORDER", "random:7");
    const int blocks = 64;
    int *order = nullptr, *counter = nullptr;
    OK(cudaMalloc(&order, blocks * sizeof(int)));
    OK(cudaMalloc(&counter, sizeof(int)));
    OK(cudaMemset(counter, 0, sizeof(int)));
    LAUNCH(record_block_order, blocks, 32, order, counter);
    std::vector<int> got(blocks);
    OK(cudaMemcpy(got.data(), order, blocks * sizeof(int), cudaMemcpyDeviceToHost));
    CHECK(!std::is_sorted(got.begin(), got.end()));
    std::sort(got.begin(), got.end());
    for (int b = 0; b < blocks; b++) CHECK(got[static_cast<size_t>(b)] == b);
}

BN_TEST(invalid_configuration) {
    LAUNCH(nothing, 1, 1025, 0);
    CHECK_CUDA(cudaErrorInvalidConfiguration, cudaGetLastError());
    CHECK_CUDA(cudaSuccess, cudaGetLastError());  // not sticky
    LAUNCH(nothing, 0, 32, 0);
    CHECK_CUDA(cudaErrorInvalidConfiguration, cudaGetLastError());
    LAUNCH(nothing, 1, dim3(1, 1, 65), 0);
    CHECK_CUDA(cudaErrorInvalidConfiguration, cudaGetLastError());
    LAUNCH(nothing, dim3(1, 65536), 32, 0);
    CHECK_CUDA(cudaErrorInvalidConfiguration, cudaGetLastError());
    BN_SIM_LAUNCH(nothing, 1, 32, 64 * 1024, nullptr, 0);
    CHECK_CUDA(cudaErrorInvalidConfiguration, cudaGetLastError());
    LAUNCH(nothing, dim3(1, 65535), 1, 0);  // the largest valid ones still launch
    OK(cudaGetLastError());
    LAUNCH(nothing, 1, dim3(16, 1, 64), 0);
    OK(cudaGetLastError());
    OK(cudaDeviceSynchronize());
}

BN_TEST(sticky_fault) {
    int* out = nullptr;
    OK(cudaMalloc(&out, 64 * sizeof(int)));
    LAUNCH(diverging_barriers, 1, 64, out);
    CHECK_CUDA(cudaErrorLaunchFailure, cudaDeviceSynchronize());
    void* more = nullptr;
    CHECK_CUDA(cudaErrorLaunchFailure, cudaMalloc(&more, 16));
    CHECK_CUDA(cudaErrorLaunchFailure, cudaGetLastError());
    CHECK_CUDA(cudaErrorLaunchFailure, cudaGetLastError());  // sticky: not cleared by reading it
    LAUNCH(nothing, 1, 1, 0);
    CHECK_CUDA(cudaErrorLaunchFailure, cudaGetLastError());
    OK(cudaSetDevice(1));  // the other device is unaffected
    OK(cudaMalloc(&more, 16));
    OK(cudaGetLastError());
    OK(cudaDeviceSynchronize());
}

BN_TEST(guard_page_fault) {
    bn_sim_tests::env("BN_SIM_GUARD_PAGES", "1");
    const int n = 100;
    float* out = nullptr;
    OK(cudaMalloc(&out, n * sizeof(float)));
    LAUNCH(write_index, 1, 128, out, n);  // in range: fine
    OK(cudaDeviceSynchronize());
    std::vector<float> got = download(out, n);
    CHECK(got[99] == 99.0f);
    LAUNCH(write_index, 1, 128, out, n + 1);  // one float past the end
    CHECK_CUDA(cudaErrorIllegalAddress, cudaDeviceSynchronize());
    std::string text = fault_text(cudaErrorIllegalAddress);
    CHECK_CONTAINS(text, "0 bytes past the end of the 400-byte allocation");
    CHECK_CONTAINS(text, "kernel write_index");
    CHECK_CONTAINS(text, "thread (100,0,0)");
}
