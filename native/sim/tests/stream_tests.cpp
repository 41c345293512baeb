// Host-side semantics: events, stream ordering and schedules, the legacy default stream, peer
// copies, memory (NaN fill, budget, copy checks) and several host threads.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "bn_sim/runtime.h"
#include "harness.h"

namespace {

__global__ void fill(float* out, int n, float value) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = value;
}

__global__ void copy(float* out, const float* in, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = in[i];
}

constexpr int kN = 64;

float first(const float* device) {
    float value = 0.0f;
    OK(cudaMemcpy(&value, device, sizeof value, cudaMemcpyDeviceToHost));
    return value;
}

float* device_floats(int n = kN) {
    float* p = nullptr;
    OK(cudaMalloc(&p, n * sizeof(float)));
    return p;
}

// Stream b copies what stream a filled, with or without b waiting for a's event.
float copy_across_streams(bool wait) {
    cudaStream_t a, b;
    cudaEvent_t filled;
    OK(cudaStreamCreateWithFlags(&a, cudaStreamNonBlocking));
    OK(cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking));
    OK(cudaEventCreateWithFlags(&filled, cudaEventDisableTiming));
    float *x = device_floats(), *y = device_floats();
    BN_SIM_LAUNCH(fill, 1, kN, 0, a, x, kN, 1.0f);
    OK(cudaEventRecord(filled, a));
    if (wait) OK(cudaStreamWaitEvent(b, filled, 0));
    BN_SIM_LAUNCH(copy, 1, kN, 0, b, y, x, kN);
    OK(cudaStreamSynchronize(b));
    return first(y);
}

}  // namespace

BN_TEST(nan_fill) {
    float* p = device_floats();
    std::vector<unsigned char> bytes(kN * sizeof(float));
    OK(cudaMemcpy(bytes.data(), p, bytes.size(), cudaMemcpyDeviceToHost));
    for (unsigned char b : bytes) CHECK(b == 0xFF);
    CHECK(std::isnan(first(p)));
}

BN_TEST(memory_budget) {
    bn_sim_tests::env("BN_SIM_DEVICE_MEMORY_MB", "1");
    size_t free_bytes = 0, total = 0;
    OK(cudaMemGetInfo(&free_bytes, &total));
    CHECK(total == (1u << 20) && free_bytes == total);
    void *p = nullptr, *q = nullptr;
    OK(cudaMalloc(&p, 768 << 10));
    OK(cudaMemGetInfo(&free_bytes, &total));
    CHECK(free_bytes == (256u << 10));
    CHECK_CUDA(cudaErrorMemoryAllocation, cudaMalloc(&q, 512 << 10));
    CHECK_CUDA(cudaErrorMemoryAllocation, cudaGetLastError());
    OK(cudaGetLastError());  // out of memory is not sticky
    OK(cudaFree(p));
    OK(cudaMalloc(&q, 512 << 10));
}

BN_TEST(copy_checks) {
    float* d = device_floats();
    std::vector<float> host(kN);
    CHECK_CUDA(cudaErrorInvalidValue, cudaMemcpy(host.data(), host.data() + 1, 4, cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaErrorInvalidValue, cudaMemcpy(d, host.data(), (kN + 1) * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaErrorInvalidValue, cudaMemsetAsync(d + 1, 0, kN * sizeof(float), nullptr));
    CHECK_CUDA(cudaErrorInvalidValue, cudaFree(host.data()));
    CHECK_CUDA(cudaErrorInvalidValue, cudaGetLastError());
    OK(cudaGetLastError());
    OK(cudaMemset2DAsync(d, 8 * sizeof(float), 0, 4 * sizeof(float), 8, nullptr));  // rows of 4 of 8
    OK(cudaMemcpy(host.data(), d, kN * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK(host[3] == 0.0f && std::isnan(host[4]) && host[56] == 0.0f && std::isnan(host[63]));
}

BN_TEST(event_semantics) {
    cudaStream_t s;
    cudaEvent_t start, end, never, untimed;
    OK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    OK(cudaEventCreate(&start));
    OK(cudaEventCreate(&end));
    OK(cudaEventCreate(&never));
    OK(cudaEventCreateWithFlags(&untimed, cudaEventDisableTiming));
    OK(cudaEventQuery(never));        // never recorded: complete
    OK(cudaEventSynchronize(never));
    OK(cudaStreamWaitEvent(s, never, 0));  // and nothing to wait for
    float* x = device_floats();
    OK(cudaEventRecord(start, s));
    BN_SIM_LAUNCH(fill, 1, kN, 0, s, x, kN, 2.0f);
    OK(cudaEventRecord(end, s));
    OK(cudaEventRecord(untimed, s));
    float ms = -1.0f;
    CHECK_CUDA(cudaErrorNotReady, cudaEventElapsedTime(&ms, start, end));
    // Polling makes progress: each query runs one step.
    int polls = 0;
    cudaError_t state;
    while ((state = cudaEventQuery(end)) == cudaErrorNotReady) polls++;
    OK(state);
    CHECK(polls >= 1 && polls <= 3);
    OK(cudaEventSynchronize(untimed));
    OK(cudaEventElapsedTime(&ms, start, end));
    CHECK(ms >= 0.0f);
    CHECK_CUDA(cudaErrorInvalidResourceHandle, cudaEventElapsedTime(&ms, start, untimed));
    CHECK_CUDA(cudaErrorInvalidResourceHandle, cudaEventElapsedTime(&ms, start, never));
    CHECK(first(x) == 2.0f);
    OK(cudaStreamQuery(s));
}

// cudaStreamWaitEvent waits for the record the event had when it was called, not a later one.
BN_TEST(event_wait_captures_record) {
    cudaStream_t a, b;
    cudaEvent_t e;
    OK(cudaStreamCreateWithFlags(&a, cudaStreamNonBlocking));
    OK(cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking));
    OK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    bool first_done = false, later_done = false, b_done = false;
    bn_sim::enqueue(a, "first", [&] { first_done = true; });
    OK(cudaEventRecord(e, a));
    OK(cudaStreamWaitEvent(b, e, 0));
    bn_sim::enqueue(b, "after wait", [&] { CHECK(first_done); b_done = true; });
    bn_sim::enqueue(a, "later", [&] { later_done = true; });
    OK(cudaEventRecord(e, a));
    OK(cudaStreamSynchronize(b));
    CHECK(b_done && first_done && !later_done);
    OK(cudaEventSynchronize(e));
    CHECK(later_done);
}

// Under BN_SIM_SCHEDULE=lifo the newest runnable work goes first: without the wait, stream b
// copies before stream a has filled (NaN); with it, the copy sees the fill.
BN_TEST(schedule_exposes_missing_wait) {
    bn_sim_tests::env("BN_SIM_SCHEDULE", "lifo");
    CHECK(copy_across_streams(true) == 1.0f);
    CHECK(std::isnan(copy_across_streams(false)));
}

BN_TEST(schedule_fifo_hides_missing_wait) {
    bn_sim_tests::env("BN_SIM_SCHEDULE", "fifo");
    CHECK(copy_across_streams(false) == 1.0f);
}

// The legacy default stream orders against blocking streams, not against non-blocking ones.
BN_TEST(legacy_default_stream) {
    bn_sim_tests::env("BN_SIM_SCHEDULE", "lifo");
    for (unsigned flags : {cudaStreamDefault, cudaStreamNonBlocking}) {
        cudaStream_t s;
        OK(cudaStreamCreateWithFlags(&s, flags));
        float *x = device_floats(), *y = device_floats();
        BN_SIM_LAUNCH(fill, 1, kN, 0, s, x, kN, 3.0f);
        BN_SIM_LAUNCH(copy, 1, kN, 0, nullptr, y, x, kN);
        OK(cudaStreamSynchronize(nullptr));
        if (flags == cudaStreamDefault) CHECK(first(y) == 3.0f);
        else CHECK(std::isnan(first(y)));
        OK(cudaDeviceSynchronize());
    }
}

BN_TEST(peer_copy) {
    int can = -1;
    OK(cudaDeviceCanAccessPeer(&can, 0, 0));
    CHECK(can == 0);
    OK(cudaDeviceCanAccessPeer(&can, 0, 1));
    CHECK(can == 1);
    OK(cudaSetDevice(0));
    OK(cudaDeviceEnablePeerAccess(1, 0));
    CHECK_CUDA(cudaErrorPeerAccessAlreadyEnabled, cudaDeviceEnablePeerAccess(1, 0));
    CHECK_CUDA(cudaErrorPeerAccessAlreadyEnabled, cudaGetLastError());
    OK(cudaGetLastError());
    float* on0 = device_floats();
    cudaStream_t s0;
    cudaEvent_t filled;
    OK(cudaStreamCreateWithFlags(&s0, cudaStreamNonBlocking));
    OK(cudaEventCreateWithFlags(&filled, cudaEventDisableTiming));
    BN_SIM_LAUNCH(fill, 1, kN, 0, s0, on0, kN, 5.0f);
    OK(cudaEventRecord(filled, s0));
    OK(cudaSetDevice(1));
    float* on1 = device_floats();
    cudaStream_t s1;
    OK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
    OK(cudaStreamWaitEvent(s1, filled, 0));  // across devices
    OK(cudaMemcpyPeerAsync(on1, 1, on0, 0, kN * sizeof(float), s1));
    CHECK_CUDA(cudaErrorInvalidValue, cudaMemcpyPeerAsync(on1, 0, on0, 0, kN * sizeof(float), s1));  // wrong device
    CHECK_CUDA(cudaErrorInvalidValue, cudaGetLastError());
    OK(cudaStreamSynchronize(s1));
    CHECK(first(on1) == 5.0f);
    // Pinned host memory as a staging buffer.
    float* pinned = nullptr;
    OK(cudaHostAlloc(reinterpret_cast<void**>(&pinned), kN * sizeof(float), cudaHostAllocPortable));
    OK(cudaMemcpyAsync(pinned, on1, kN * sizeof(float), cudaMemcpyDeviceToHost, s1));
    OK(cudaStreamSynchronize(s1));
    CHECK(pinned[kN - 1] == 5.0f);
    OK(cudaFreeHost(pinned));
    CHECK_CUDA(cudaErrorInvalidValue, cudaFreeHost(pinned));
}

// Host threads, each with its own device and stream, launch and synchronize at the same time.
BN_TEST(host_threads) {
    std::vector<std::thread> threads;
    std::vector<float> results(4, 0.0f);
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([t, &results] {
            if (cudaSetDevice(t % 2) != cudaSuccess) return;
            cudaStream_t s;
            float *x = nullptr, *y = nullptr;
            if (cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess) return;
            if (cudaMalloc(&x, kN * sizeof(float)) != cudaSuccess || cudaMalloc(&y, kN * sizeof(float)) != cudaSuccess) return;
            for (int round = 0; round < 20; round++) {
                BN_SIM_LAUNCH(fill, 1, kN, 0, s, x, kN, static_cast<float>(t + round));
                BN_SIM_LAUNCH(copy, 1, kN, 0, s, y, x, kN);
                cudaEvent_t e;
                cudaEventCreate(&e);
                cudaEventRecord(e, s);
                while (cudaEventQuery(e) == cudaErrorNotReady) {}
                cudaEventDestroy(e);
            }
            float value = 0.0f;
            if (cudaMemcpyAsync(&value, y + kN - 1, sizeof value, cudaMemcpyDeviceToHost, s) == cudaSuccess &&
                cudaStreamSynchronize(s) == cudaSuccess)
                results[static_cast<size_t>(t)] = value;
        });
    }
    for (auto& thread : threads) thread.join();
    for (int t = 0; t < 4; t++) CHECK(results[static_cast<size_t>(t)] == static_cast<float>(t + 19));
}

// Enqueued host work (the cuBLASLt stand-in's interface) runs in stream order and can fault.
BN_TEST(enqueue_and_fault) {
    cudaStream_t s;
    OK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    float* x = device_floats();
    bn_sim::Allocation found{};
    CHECK(bn_sim::find_allocation(x + 1, 4 * sizeof(float), &found));
    CHECK(found.base == x && found.bytes == kN * sizeof(float) && found.device == 0);
    CHECK(!bn_sim::find_allocation(x + 1, kN * sizeof(float), &found));
    BN_SIM_LAUNCH(fill, 1, kN, 0, s, x, kN, 7.0f);
    float seen = 0.0f;
    bn_sim::enqueue(s, "reader", [&] { seen = x[0]; });
    bn_sim::enqueue(s, "faulty", [] { bn_sim::fault(cudaErrorIllegalAddress, "the stand-in read out of bounds"); });
    bool ran_after = false;
    bn_sim::enqueue(s, "after the fault", [&] { ran_after = true; });
    CHECK_CUDA(cudaErrorIllegalAddress, cudaStreamSynchronize(s));
    CHECK(seen == 7.0f && !ran_after);
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "the stand-in read out of bounds");
}

// cudaMemcpyAsync as CUDA does it for host memory: pageable sources are staged at the call, copies into
// pageable memory finish before the call returns, pinned memory is copied when the stream runs.
BN_TEST(pageable_and_pinned_copies) {
    cudaStream_t s;
    OK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    float* d = device_floats();
    std::vector<float> pageable(kN, 4.0f);
    OK(cudaMemcpyAsync(d, pageable.data(), kN * sizeof(float), cudaMemcpyHostToDevice, s));
    std::fill(pageable.begin(), pageable.end(), -1.0f);  // the caller may reuse its buffer at once
    std::vector<float> back(kN, 0.0f);
    OK(cudaMemcpyAsync(back.data(), d, kN * sizeof(float), cudaMemcpyDeviceToHost, s));
    CHECK(back[0] == 4.0f && back[kN - 1] == 4.0f);  // done when the call returns
    float* pinned = nullptr;
    OK(cudaMallocHost(reinterpret_cast<void**>(&pinned), kN * sizeof(float)));
    BN_SIM_LAUNCH(fill, 1, kN, 0, s, d, kN, 6.0f);
    OK(cudaMemcpyAsync(pinned, d, kN * sizeof(float), cudaMemcpyDeviceToHost, s));
    CHECK(std::isnan(pinned[0]));  // not yet: asynchronous
    OK(cudaStreamSynchronize(s));
    CHECK(pinned[0] == 6.0f);
    OK(cudaFreeHost(pinned));
}
