// The simulator's interface for host-side stand-ins of CUDA libraries (native/sim/cublaslt_sim.cpp):
// queue host work in stream order, look up device allocations, and fail like a kernel.
#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <functional>
#include <string>
namespace bn_sim {
// Runs `work` on the host in stream order when the engine reaches it (like a kernel on that stream). `what` names it in errors.
void enqueue(cudaStream_t stream, const char* what, std::function<void()> work);
// The live device allocation (cudaMalloc) holding [pointer, pointer + bytes) on any simulated device; false if none.
struct Allocation { const void* base; size_t bytes; int device; };
bool find_allocation(const void* pointer, size_t bytes, Allocation* out);
// Inside enqueued work: fail like a kernel fault (sticky error on the stream's device, message kept).
// It throws an internal exception that the engine catches around each piece of work: let it pass
// (do not catch (...) around code that calls it).
[[noreturn]] void fault(cudaError_t error, const std::string& message);
}
