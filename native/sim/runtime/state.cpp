// Configuration from the environment, the simulated devices, and error state: the per-thread last
// error, sticky per-device faults and the error names and strings.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "internal.h"

namespace bn_sim {
namespace {

const char* env(const char* name) {
    const char* value = std::getenv(name);
    return value && value[0] ? value : nullptr;
}

long env_long(const char* name, long fallback, long lowest) {
    const char* value = env(name);
    if (!value) return fallback;
    char* end = nullptr;
    long parsed = std::strtol(value, &end, 10);
    if (*end || parsed < lowest) {
        std::fprintf(stderr, "bn_sim: ignoring %s=%s (want an integer >= %ld)\n", name, value, lowest);
        return fallback;
    }
    return parsed;
}

// "fifo", "lifo" (when allowed) or "random:SEED".
Order parse_order(const char* name, bool lifo_allowed, uint64_t* seed) {
    const char* value = env(name);
    if (!value || std::strcmp(value, "fifo") == 0) return Order::Fifo;
    if (lifo_allowed && std::strcmp(value, "lifo") == 0) return Order::Lifo;
    if (std::strncmp(value, "random:", 7) == 0) {
        *seed = std::strtoull(value + 7, nullptr, 10);
        return Order::Random;
    }
    std::fprintf(stderr, "bn_sim: ignoring %s=%s (want fifo%s or random:SEED)\n", name, value, lifo_allowed ? ", lifo" : "");
    return Order::Fifo;
}

Config read_config() {
    Config c;
    const char* enabled = env("BERTNATIVE_CUDA_SIM");
    c.enabled = enabled && std::strcmp(enabled, "1") == 0;
    c.devices = static_cast<int>(env_long("BN_SIM_DEVICES", 2, 1));
    c.memory_bytes = static_cast<size_t>(env_long("BN_SIM_DEVICE_MEMORY_MB", 4096, 1)) << 20;
    c.multiprocessors = static_cast<int>(env_long("BN_SIM_SMS", 4, 1));
    const char* guard = env("BN_SIM_GUARD_PAGES");
    c.guard_pages = guard && std::strcmp(guard, "1") == 0;
    c.schedule = parse_order("BN_SIM_SCHEDULE", true, &c.schedule_seed);
    c.random_blocks = parse_order("BN_SIM_BLOCK_ORDER", false, &c.block_seed) == Order::Random;
    return c;
}

thread_local cudaError_t last_error = cudaSuccess;
// The kept message of the latest fault, per error code, for cudaGetErrorString (stable storage).
thread_local std::string error_string;
std::string fault_messages[1000];

}  // namespace

std::recursive_mutex& state_lock() {
    static std::recursive_mutex lock;
    return lock;
}

const Config& config() {
    static const Config c = read_config();
    return c;
}

Device& device(int index) {
    static std::vector<Device> devices = [] {
        std::vector<Device> made(static_cast<size_t>(config().devices));
        for (size_t i = 0; i < made.size(); i++) {
            made[i].peer_enabled.assign(made.size(), false);
            made[i].legacy = std::make_shared<CUstream_st>();
            made[i].legacy->device = static_cast<int>(i);
            made[i].legacy->legacy = true;
        }
        return made;
    }();
    return devices[static_cast<size_t>(index)];
}

bool valid_device(int index) { return index >= 0 && index < config().devices; }

int& current_device() {
    thread_local int current = 0;
    return current;
}

cudaError_t fail(cudaError_t error) {
    last_error = error;
    return error;
}

cudaError_t unusable(int index) {
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (valid_device(index) && device(index).sticky != cudaSuccess) return fail(device(index).sticky);
    return cudaSuccess;
}

void make_sticky(int index, cudaError_t error, const std::string& message) {
    Device& d = device(index);
    if (d.sticky != cudaSuccess) return;  // the first fault is the one that matters
    d.sticky = error;
    d.sticky_message = message;
    if (error >= 0 && error < 1000) fault_messages[error] = message;
    std::fprintf(stderr, "bn_sim: device %d: %s: %s\n", index, cudaGetErrorName(error), message.c_str());
}

double now_ms() {
    static const auto start = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace bn_sim

using namespace bn_sim;

extern "C" {

const char* cudaGetErrorName(cudaError_t error) {
    switch (error) {
#define BN_SIM_NAME(e) case e: return #e;
        BN_SIM_NAME(cudaSuccess) BN_SIM_NAME(cudaErrorInvalidValue) BN_SIM_NAME(cudaErrorMemoryAllocation)
        BN_SIM_NAME(cudaErrorInitializationError) BN_SIM_NAME(cudaErrorInvalidConfiguration)
        BN_SIM_NAME(cudaErrorInvalidDevicePointer) BN_SIM_NAME(cudaErrorInvalidMemcpyDirection)
        BN_SIM_NAME(cudaErrorInvalidResourceHandle) BN_SIM_NAME(cudaErrorNotReady) BN_SIM_NAME(cudaErrorIllegalAddress)
        BN_SIM_NAME(cudaErrorLaunchOutOfResources) BN_SIM_NAME(cudaErrorLaunchTimeout)
        BN_SIM_NAME(cudaErrorPeerAccessAlreadyEnabled) BN_SIM_NAME(cudaErrorPeerAccessNotEnabled)
        BN_SIM_NAME(cudaErrorHardwareStackError) BN_SIM_NAME(cudaErrorIllegalInstruction)
        BN_SIM_NAME(cudaErrorMisalignedAddress) BN_SIM_NAME(cudaErrorInvalidAddressSpace) BN_SIM_NAME(cudaErrorInvalidPc)
        BN_SIM_NAME(cudaErrorLaunchFailure) BN_SIM_NAME(cudaErrorAssert) BN_SIM_NAME(cudaErrorNoDevice)
        BN_SIM_NAME(cudaErrorInvalidDevice) BN_SIM_NAME(cudaErrorUnknown)
#undef BN_SIM_NAME
    }
    return "cudaErrorUnknown";
}

// CUDA's strings, and for a fault the simulator's message (which kernel, block, thread, what).
const char* cudaGetErrorString(cudaError_t error) {
    const char* text = "unknown error";
    switch (error) {
        case cudaSuccess: text = "no error"; break;
        case cudaErrorInvalidValue: text = "invalid argument"; break;
        case cudaErrorMemoryAllocation: text = "out of memory"; break;
        case cudaErrorInitializationError: text = "initialization error"; break;
        case cudaErrorInvalidConfiguration: text = "invalid configuration argument"; break;
        case cudaErrorInvalidDevicePointer: text = "invalid device pointer"; break;
        case cudaErrorInvalidMemcpyDirection: text = "invalid copy direction for memcpy"; break;
        case cudaErrorInvalidResourceHandle: text = "invalid resource handle"; break;
        case cudaErrorNotReady: text = "device not ready"; break;
        case cudaErrorIllegalAddress: text = "an illegal memory access was encountered"; break;
        case cudaErrorLaunchOutOfResources: text = "too many resources requested for launch"; break;
        case cudaErrorLaunchTimeout: text = "the launch timed out and was terminated"; break;
        case cudaErrorPeerAccessAlreadyEnabled: text = "peer access is already enabled"; break;
        case cudaErrorPeerAccessNotEnabled: text = "peer access has not been enabled"; break;
        case cudaErrorLaunchFailure: text = "unspecified launch failure"; break;
        case cudaErrorNoDevice:
            text = "no CUDA-capable device is detected (the CPU simulation has its devices only with BERTNATIVE_CUDA_SIM=1)";
            break;
        case cudaErrorInvalidDevice: text = "invalid device ordinal"; break;
        default: break;
    }
    if (error <= 0 || error >= 1000) return text;
    Lock lock(state_lock());
    if (fault_messages[error].empty()) return text;
    error_string = std::string(text) + " (CPU simulation: " + fault_messages[error] + ")";
    return error_string.c_str();
}

cudaError_t cudaGetLastError(void) {
    Lock lock(state_lock());
    if (config().enabled && valid_device(current_device()) && device(current_device()).sticky != cudaSuccess) {
        last_error = cudaSuccess;  // the sticky error stands for it
        return device(current_device()).sticky;
    }
    cudaError_t error = last_error;
    last_error = cudaSuccess;
    return error;
}

cudaError_t cudaPeekAtLastError(void) {
    Lock lock(state_lock());
    if (config().enabled && valid_device(current_device()) && device(current_device()).sticky != cudaSuccess)
        return device(current_device()).sticky;
    return last_error;
}

}  // extern "C"
