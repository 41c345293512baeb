// The device side of the CPU simulation: CUDA's qualifiers, built-in variables, barriers, warp
// shuffles, atomics and math, and the launch that BN_LAUNCH (native/kernels/common.cuh) expands to.
// Every simulated GPU thread runs on a fiber; the block's threads run round-robin between sync
// points (native/sim/runtime/blocks.cpp).
#pragma once

#include <math.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
// One instance per OS thread and (template) kernel: the block running on that thread. Blocks of a
// kernel run one after another on one OS thread, and no two OS threads run device code at once.
#define __shared__ static thread_local

namespace bn_sim {

const uint3& thread_index();
const uint3& block_index();
const dim3& block_dim();
const dim3& grid_dim();

void syncthreads(const char* file, int line);
// The rendezvous of the lanes in `mask`; returns the bits that lane (own ^ lane_mask) passed.
uint64_t shuffle_xor(unsigned mask, uint64_t bits, int lane_mask, int width, const char* file, int line);

template <typename T>
T shfl_xor_at(const char* file, int line, unsigned mask, T value, int lane_mask, int width = 32) {
    static_assert(sizeof(T) <= sizeof(uint64_t) && std::is_trivially_copyable<T>::value, "shuffle of a small trivial type");
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof(T));
    bits = shuffle_xor(mask, bits, lane_mask, width, file, line);
    T result;
    std::memcpy(&result, &bits, sizeof(T));
    return result;
}

// Queues a grid on `stream` (errors go to cudaGetLastError, as a launch's do).
void launch(const char* kernel, const char* file, int line, dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream,
            std::function<void()> thread_body);

// The arguments are copied at launch, as the driver copies them; each simulated thread then gets
// its own copy of each parameter (body takes them by value).
template <typename Body, typename... Args>
void launch_kernel(const char* kernel, const char* file, int line, dim3 grid, dim3 block, size_t shared_bytes,
                   cudaStream_t stream, Body body, Args&&... args) {
    auto copied = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...);
    launch(kernel, file, line, grid, block, shared_bytes, stream, [body, copied]() { std::apply(body, copied); });
}

}  // namespace bn_sim

#define threadIdx (::bn_sim::thread_index())
#define blockIdx (::bn_sim::block_index())
#define blockDim (::bn_sim::block_dim())
#define gridDim (::bn_sim::grid_dim())
constexpr int warpSize = 32;

#define __syncthreads() ::bn_sim::syncthreads(__FILE__, __LINE__)
#define __shfl_xor_sync(...) ::bn_sim::shfl_xor_at(__FILE__, __LINE__, __VA_ARGS__)

#define BN_SIM_LAUNCH(kernel, grid, block, smem, stream, ...)                                                 \
    ::bn_sim::launch_kernel(#kernel, __FILE__, __LINE__, dim3(grid), dim3(block), (smem), (stream),          \
                            [](auto... bn_sim_arguments) { kernel(bn_sim_arguments...); }, __VA_ARGS__)

// Atomics: only one simulated thread runs at a time and none is switched out inside these.
template <typename T>
inline T bn_sim_atomic_add(T* address, T value) {
    T old = *address;
    *address = old + value;
    return old;
}
inline float atomicAdd(float* address, float value) { return bn_sim_atomic_add(address, value); }
inline double atomicAdd(double* address, double value) { return bn_sim_atomic_add(address, value); }
inline int atomicAdd(int* address, int value) { return bn_sim_atomic_add(address, value); }
inline unsigned int atomicAdd(unsigned int* address, unsigned int value) { return bn_sim_atomic_add(address, value); }
inline unsigned long long atomicAdd(unsigned long long* address, unsigned long long value) {
    return bn_sim_atomic_add(address, value);
}

// Math beyond <math.h> (expf, erff, tanhf, sqrtf, fmaxf, logf, fmaf come from the C library).
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float x, float y) { return x / y; }
inline unsigned int __float_as_uint(float x) { unsigned int u; std::memcpy(&u, &x, sizeof u); return u; }
inline float __uint_as_float(unsigned int u) { float x; std::memcpy(&x, &u, sizeof x); return x; }
inline int __float_as_int(float x) { int i; std::memcpy(&i, &x, sizeof i); return i; }
inline float __int_as_float(int i) { float x; std::memcpy(&x, &i, sizeof x); return x; }

#define BN_SIM_MIN_MAX(T)                              \
    inline T min(T a, T b) { return b < a ? b : a; } \
    inline T max(T a, T b) { return a < b ? b : a; }
BN_SIM_MIN_MAX(int)
BN_SIM_MIN_MAX(unsigned int)
BN_SIM_MIN_MAX(long)
BN_SIM_MIN_MAX(unsigned long)
BN_SIM_MIN_MAX(long long)
BN_SIM_MIN_MAX(unsigned long long)
#undef BN_SIM_MIN_MAX
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }
inline double min(double a, double b) { return fmin(a, b); }
inline double max(double a, double b) { return fmax(a, b); }
