// The simulation's primary_context.cu. There is no driver and no other library's context, but the
// device rule is the same: after bn_set_device, every exported call on this thread runs on that
// device, and on threads that never called it, on the device set last (the real scope pushes that
// device's primary context); the caller's device is current again afterwards.
#include <atomic>
#include <vector>

#include "common.cuh"

namespace bn {
namespace {

thread_local int thread_device = -1;     // set by bn_set_device on this thread
std::atomic<int> last_device{-1};        // for threads that never called bn_set_device
thread_local std::vector<int> restore;   // the devices to go back to, one per scope that switched

}  // namespace

void set_device_keeping_context(int device) {
    BN_CUDA(cudaSetDevice(device));
    thread_device = device;
    last_device.store(device);
}

PrimaryContextScope::PrimaryContextScope() {
    int wanted = thread_device >= 0 ? thread_device : last_device.load();
    int current = 0;
    if (wanted < 0 || cudaGetDevice(&current) != cudaSuccess || current == wanted) return;
    if (cudaSetDevice(wanted) != cudaSuccess) return;
    restore.push_back(current);
    pushed_ = true;
}

PrimaryContextScope::~PrimaryContextScope() {
    if (!pushed_) return;
    cudaSetDevice(restore.back());
    restore.pop_back();
}

}  // namespace bn
