// Device selection and queries: N simulated devices (BN_SIM_DEVICES), compute capability 9.0,
// a small SM count (BN_SIM_SMS) and a memory budget (BN_SIM_DEVICE_MEMORY_MB). Without
// BERTNATIVE_CUDA_SIM=1 there is no device at all, so the simulation never passes for a GPU.
#include <cstring>

#include "internal.h"

namespace bn_sim {
namespace {

constexpr const char* kName = "BertNative CPU simulation of a CUDA device";

int attribute(cudaDeviceAttr attr) {
    switch (attr) {
        case cudaDevAttrMaxThreadsPerBlock: return 1024;
        case cudaDevAttrMaxBlockDimX: return 1024;
        case cudaDevAttrMaxBlockDimY: return 1024;
        case cudaDevAttrMaxBlockDimZ: return 64;
        case cudaDevAttrMaxGridDimX: return 2147483647;
        case cudaDevAttrMaxGridDimY: return 65535;
        case cudaDevAttrMaxGridDimZ: return 65535;
        case cudaDevAttrMaxSharedMemoryPerBlock: return 48 * 1024;
        case cudaDevAttrWarpSize: return 32;
        case cudaDevAttrMultiProcessorCount: return config().multiprocessors;
        case cudaDevAttrComputeCapabilityMajor: return 9;
        case cudaDevAttrComputeCapabilityMinor: return 0;
    }
    return -1;
}

}  // namespace
}  // namespace bn_sim

using namespace bn_sim;

extern "C" {

cudaError_t cudaGetDeviceCount(int* count) {
    Lock lock(state_lock());
    if (!count) return fail(cudaErrorInvalidValue);
    *count = 0;
    if (!config().enabled) return fail(cudaErrorNoDevice);
    *count = config().devices;
    return cudaSuccess;
}

cudaError_t cudaGetDevice(int* index) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!index) return fail(cudaErrorInvalidValue);
    *index = current_device();
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int index) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!valid_device(index)) return fail(cudaErrorInvalidDevice);
    current_device() = index;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int index) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!prop) return fail(cudaErrorInvalidValue);
    if (!valid_device(index)) return fail(cudaErrorInvalidDevice);
    std::memset(prop, 0, sizeof *prop);
    std::strncpy(prop->name, kName, sizeof prop->name - 1);
    prop->totalGlobalMem = config().memory_bytes;
    prop->sharedMemPerBlock = static_cast<size_t>(attribute(cudaDevAttrMaxSharedMemoryPerBlock));
    prop->warpSize = 32;
    prop->maxThreadsPerBlock = 1024;
    prop->maxThreadsDim[0] = 1024; prop->maxThreadsDim[1] = 1024; prop->maxThreadsDim[2] = 64;
    prop->maxGridSize[0] = 2147483647; prop->maxGridSize[1] = 65535; prop->maxGridSize[2] = 65535;
    prop->major = 9;
    prop->minor = 0;
    prop->multiProcessorCount = config().multiprocessors;
    return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int index) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!value) return fail(cudaErrorInvalidValue);
    if (!valid_device(index)) return fail(cudaErrorInvalidDevice);
    int answer = attribute(attr);
    if (answer < 0) return fail(cudaErrorInvalidValue);
    *value = answer;
    return cudaSuccess;
}

// The CUDA version whose runtime API this simulates (12.8); there is no driver.
cudaError_t cudaDriverGetVersion(int* version) {
    if (!version) return fail(cudaErrorInvalidValue);
    *version = config().enabled ? CUDART_VERSION : 0;
    return cudaSuccess;
}

cudaError_t cudaRuntimeGetVersion(int* version) {
    if (!version) return fail(cudaErrorInvalidValue);
    *version = CUDART_VERSION;
    return cudaSuccess;
}

cudaError_t cudaDeviceCanAccessPeer(int* can_access, int index, int peer) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!can_access) return fail(cudaErrorInvalidValue);
    if (!valid_device(index) || !valid_device(peer)) return fail(cudaErrorInvalidDevice);
    *can_access = index != peer;  // like CUDA: a device is not its own peer
    return cudaSuccess;
}

cudaError_t cudaDeviceEnablePeerAccess(int peer, unsigned int flags) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (flags != 0) return fail(cudaErrorInvalidValue);
    if (!valid_device(peer) || peer == index) return fail(cudaErrorInvalidDevice);
    if (device(index).peer_enabled[static_cast<size_t>(peer)]) return fail(cudaErrorPeerAccessAlreadyEnabled);
    device(index).peer_enabled[static_cast<size_t>(peer)] = true;
    return cudaSuccess;
}

}  // extern "C"
