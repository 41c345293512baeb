// Shared by every kernel source: error plumbing for the C ABI, launch helpers, and the
// dropout RNG (bit-identical to src/Interop/Contract/Dropout.cs).
#pragma once

#include <cuda_runtime.h>
#include <cublasLt.h>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "bertnative.h"

namespace bn {

// Thrown inside the library only; guard() turns it into a status + last-error message.
struct Error : std::runtime_error {
    int status;
    Error(int status_, const std::string& message) : std::runtime_error(message), status(status_) {}
};

void set_last_error(const std::string& message);

// BERTNATIVE_CUDA_SYNC=1: every op entry point synchronizes the device and checks, so that an
// asynchronous kernel fault is reported by the op that caused it (read once per process).
bool sync_after_ops();

// The errors a kernel leaves behind for a later call to find (sticky: the context is lost).
inline bool is_kernel_fault(cudaError_t result) {
    switch (result) {
        case cudaErrorIllegalAddress: case cudaErrorLaunchFailure: case cudaErrorIllegalInstruction:
        case cudaErrorMisalignedAddress: case cudaErrorInvalidAddressSpace: case cudaErrorInvalidPc:
        case cudaErrorHardwareStackError: case cudaErrorAssert: case cudaErrorLaunchTimeout:
            return true;
        default:
            return false;
    }
}

inline void check_cuda(cudaError_t result, const char* call, const char* file, int line) {
    if (result == cudaSuccess) return;
    int status = result == cudaErrorMemoryAllocation ? BN_ERR_OUT_OF_MEMORY : BN_ERR_CUDA;
    // A kernel fault surfaces at whatever call comes next; say how to find the op that caused it.
    const char* hint = is_kernel_fault(result) && !sync_after_ops()
                           ? " (an earlier op may have caused this: rerun with BERTNATIVE_CUDA_SYNC=1 to name it)"
                           : "";
    throw Error(status, std::string(cudaGetErrorName(result)) + ": " + cudaGetErrorString(result) +
                            " in " + call + " (" + file + ":" + std::to_string(line) + ")" + hint);
}

inline void check_cublas(cublasStatus_t result, const char* call, const char* file, int line) {
    if (result == CUBLAS_STATUS_SUCCESS) return;
    throw Error(BN_ERR_CUBLAS, "cuBLASLt status " + std::to_string(static_cast<int>(result)) + " in " + call +
                                   " (" + file + ":" + std::to_string(line) + ")");
}

inline void require(bool condition, const char* what) {
    if (!condition) throw Error(BN_ERR_INVALID, std::string("invalid argument: ") + what);
}

// Makes the primary context of the device chosen by bn_set_device current for one exported call
// when another context is current (ILGPU creates its own and makes it current on its thread),
// and restores that context afterwards (primary_context.cu). Does nothing before bn_set_device.
class PrimaryContextScope {
public:
    PrimaryContextScope();
    ~PrimaryContextScope();
    PrimaryContextScope(const PrimaryContextScope&) = delete;
    PrimaryContextScope& operator=(const PrimaryContextScope&) = delete;

private:
    bool pushed_ = false;
};

// bn_set_device: cudaSetDevice, then retains the device's primary context and makes it the one
// PrimaryContextScope pushes on this thread (and on threads that never called bn_set_device). The
// context that was current before (ILGPU's, say) is current again afterwards.
void set_device_keeping_context(int device);

// Runs one exported call: catches everything and turns it into a status + last-error message.
template <typename F>
int guard(const char* name, F&& body) {
    try {
        PrimaryContextScope context;
        body();
        return BN_OK;
    } catch (const Error& e) {
        set_last_error(std::string(name) + ": " + e.what());
        cudaGetLastError();  // clear a non-sticky error (a failed cudaMalloc) so the next call does not report it
        return e.status;
    } catch (const std::exception& e) {
        set_last_error(std::string(name) + ": " + e.what());
        cudaGetLastError();
        return BN_ERR_INTERNAL;
    } catch (...) {
        set_last_error(std::string(name) + ": unknown C++ exception");
        cudaGetLastError();
        return BN_ERR_INTERNAL;
    }
}

// guard() for the op entry points: also reports launch errors (cudaGetLastError), so that a
// bad launch fails the call that made it, and with BERTNATIVE_CUDA_SYNC=1 waits for the op's
// kernels and reports their faults. (Not for bn_version and friends: cudaGetLastError
// initializes the runtime, which fails where there is no driver.)
template <typename F>
int guard_op(const char* name, F&& body) {
    return guard(name, [&] {
        body();
        cudaError_t launch = cudaGetLastError();
        if (launch != cudaSuccess) check_cuda(launch, name, __FILE__, __LINE__);
        if (sync_after_ops()) check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize after the op (BERTNATIVE_CUDA_SYNC=1)",
                                         __FILE__, __LINE__);
    });
}

inline cudaStream_t as_stream(void* stream) { return static_cast<cudaStream_t>(stream); }

inline unsigned int blocks_for(int64_t n, int threads) {
    int64_t blocks = (n + threads - 1) / threads;
    return static_cast<unsigned int>(blocks < 65535 * 16 ? blocks : 65535 * 16);  // grid-stride loops cover the rest
}

constexpr int kWarp = 32;

__device__ inline float warp_sum(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
    return value;
}

__device__ inline float warp_max(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    return value;
}

// ---- Dropout RNG: SplitMix64 finalizer, same constants as DropoutRng in C# ----

__host__ __device__ inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return x;
}

__host__ __device__ inline uint32_t bits24(uint64_t key, int64_t index) {
    return static_cast<uint32_t>(mix64(key + static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ull) >> 40);
}

// Inverted dropout of one element. A dropped element is written as 0 whatever its value (not
// multiplied by 0, which gives NaN for an infinite value and -0 for a negative one).
struct DropoutMask {
    uint64_t key;
    uint32_t threshold;
    float scale;
    bool active;

    __device__ float apply(float value, int64_t index) const {
        if (!active) return value;
        return bits24(key, index) >= threshold ? value * scale : 0.0f;
    }
};

// The C ABI passes a Dropout as (p, key, threshold, scale); p == 0 means no dropout.
inline DropoutMask make_mask(float p, uint64_t key, uint32_t threshold, float scale) {
    return DropoutMask{key, threshold, scale, p > 0.0f};
}

}  // namespace bn

// Every kernel launch: under nvcc exactly kernel<<<grid, block, smem, stream>>>(args...); in the CPU
// simulation build (native/sim, whose cuda_runtime.h defines BN_SIM_LAUNCH) a call into the
// simulator, which copies the arguments at launch and keeps #kernel, __FILE__ and __LINE__ for its messages.
#if defined(__CUDACC__)
#define BN_LAUNCH(kernel, grid, block, smem, stream, ...) kernel<<<grid, block, smem, stream>>>(__VA_ARGS__)
#elif defined(BN_SIM_LAUNCH)
#define BN_LAUNCH(kernel, grid, block, smem, stream, ...) BN_SIM_LAUNCH(kernel, grid, block, smem, stream, __VA_ARGS__)
#else
#error "compile the kernels with nvcc, or as C++ against the simulator's headers (native/sim/include)"
#endif

#define BN_CUDA(call) ::bn::check_cuda((call), #call, __FILE__, __LINE__)
#define BN_CUBLAS(call) ::bn::check_cublas((call), #call, __FILE__, __LINE__)
