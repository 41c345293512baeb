// The device's primary context for every exported call. The CUDA runtime works in whatever
// context is current on the calling thread; ILGPU creates a context of its own and makes it
// current, after which our calls would land there (other streams, other allocations). bn_set_device
// retains the device's primary context; PrimaryContextScope pushes it for the length of one call
// when another context is current, and pops it afterwards so ILGPU finds its own again.
// The driver API is reached through dlopen, not linked: the library must still load (and report
// "no driver") on a machine without libcuda.so.1.
#include <cuda.h>
#include <dlfcn.h>

#include <atomic>
#include <mutex>

#include "common.cuh"

namespace bn {
namespace {

struct Driver {
    CUresult (*init)(unsigned int) = nullptr;
    CUresult (*device_get)(CUdevice*, int) = nullptr;
    CUresult (*primary_retain)(CUcontext*, CUdevice) = nullptr;
    CUresult (*get_current)(CUcontext*) = nullptr;
    CUresult (*set_current)(CUcontext) = nullptr;
    CUresult (*push)(CUcontext) = nullptr;
    CUresult (*pop)(CUcontext*) = nullptr;
    bool loaded = false;
};

template <typename T>
bool find(void* library, const char* name, T* function) {
    *function = reinterpret_cast<T>(dlsym(library, name));
    return *function != nullptr;
}

const Driver& driver() {
    static const Driver loaded = [] {
        Driver d;
        void* library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!library) return d;
        d.loaded = find(library, "cuInit", &d.init) && find(library, "cuDeviceGet", &d.device_get) &&
                   find(library, "cuDevicePrimaryCtxRetain", &d.primary_retain) &&
                   find(library, "cuCtxGetCurrent", &d.get_current) && find(library, "cuCtxSetCurrent", &d.set_current) &&
                   find(library, "cuCtxPushCurrent_v2", &d.push) &&
                   find(library, "cuCtxPopCurrent_v2", &d.pop);
        return d;
    }();
    return loaded;
}

void check_driver(CUresult result, const char* call) {
    if (result != CUDA_SUCCESS)
        throw Error(BN_ERR_CUDA, std::string(call) + " failed with CUresult " + std::to_string(static_cast<int>(result)));
}

constexpr int kMaxDevices = 64;
std::mutex retain_lock;
CUcontext retained[kMaxDevices] = {};                // one retained reference per device, kept for the process
thread_local CUcontext thread_primary = nullptr;     // set by bn_set_device on this thread
std::atomic<CUcontext> last_primary{nullptr};        // for threads that never called bn_set_device

}  // namespace

void set_device_keeping_context(int device) {
    const Driver& d = driver();
    if (!d.loaded) throw Error(BN_ERR_CUDA, "libcuda.so.1 (the CUDA driver) could not be loaded or lacks the context API");
    require(device >= 0 && device < kMaxDevices, "device index");
    CUcontext previous = nullptr;
    check_driver(d.get_current(&previous), "cuCtxGetCurrent");
    BN_CUDA(cudaSetDevice(device));
    std::lock_guard<std::mutex> lock(retain_lock);
    if (!retained[device]) {
        check_driver(d.init(0), "cuInit");
        CUdevice handle;
        check_driver(d.device_get(&handle, device), "cuDeviceGet");
        check_driver(d.primary_retain(&retained[device], handle), "cuDevicePrimaryCtxRetain");
    }
    thread_primary = retained[device];
    last_primary.store(retained[device]);
    // cudaSetDevice (CUDA 12 and newer) makes the primary context current, replacing another library's:
    // give the thread its own back (our calls push the primary themselves).
    if (previous && previous != retained[device]) check_driver(d.set_current(previous), "cuCtxSetCurrent");
}

PrimaryContextScope::PrimaryContextScope() {
    CUcontext wanted = thread_primary ? thread_primary : last_primary.load();
    if (!wanted) return;  // before bn_set_device: leave the runtime's default alone
    const Driver& d = driver();
    CUcontext current = nullptr;
    check_driver(d.get_current(&current), "cuCtxGetCurrent");
    if (current == wanted) return;
    check_driver(d.push(wanted), "cuCtxPushCurrent");
    pushed_ = true;
}

PrimaryContextScope::~PrimaryContextScope() {
    if (!pushed_) return;
    CUcontext popped = nullptr;
    driver().pop(&popped);  // a destructor cannot report; a failed pop leaves our context current
}

}  // namespace bn
