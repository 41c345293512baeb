// TEST-ONLY stub of the simulated runtime's bn_sim interface (bn_sim/runtime.h): enqueue runs
// the work at once, find_allocation consults the allocations fake_device::allocate made, and a
// fault is recorded (sticky) for the test to collect instead of ending the work's "kernel".
#include <bn_sim/runtime.h>

#include "fake_device.h"

#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <map>

namespace {

struct Fault {
    cudaError_t error;
    std::string message;
};

std::map<uintptr_t, size_t>& allocations() {
    static std::map<uintptr_t, size_t> live;
    return live;
}

cudaError_t sticky = cudaSuccess;
std::string sticky_message;
int work_count = 0;

}  // namespace

namespace bn_sim {

void enqueue(cudaStream_t, const char*, std::function<void()> work) {
    work_count++;
    try {
        work();
    } catch (const Fault& fault) {
        if (sticky == cudaSuccess) {
            sticky = fault.error;
            sticky_message = fault.message;
        }
    }
}

bool find_allocation(const void* pointer, size_t bytes, Allocation* out) {
    uintptr_t start = reinterpret_cast<uintptr_t>(pointer);
    auto above = allocations().upper_bound(start);
    if (above == allocations().begin()) return false;
    auto block = std::prev(above);
    if (start + bytes < start || start + bytes > block->first + block->second) return false;
    if (out) *out = Allocation{reinterpret_cast<const void*>(block->first), block->second, 0};
    return true;
}

void fault(cudaError_t error, const std::string& message) { throw Fault{error, message}; }

}  // namespace bn_sim

namespace fake_device {

void* allocate(size_t bytes) {
    size_t rounded = (bytes + 255) / 256 * 256;
    void* pointer = std::aligned_alloc(256, rounded ? rounded : 256);
    allocations()[reinterpret_cast<uintptr_t>(pointer)] = bytes;
    return pointer;
}

void release(void* pointer) {
    allocations().erase(reinterpret_cast<uintptr_t>(pointer));
    std::free(pointer);
}

bool take_fault(cudaError_t* error, std::string* message) {
    if (sticky == cudaSuccess) return false;
    *error = sticky;
    *message = sticky_message;
    sticky = cudaSuccess;
    sticky_message.clear();
    return true;
}

int enqueued() { return work_count; }

}  // namespace fake_device
