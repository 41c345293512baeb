#pragma once
#include <cuda_runtime.h>
#include <cstddef>
#include <functional>
#include <string>
namespace bn_sim {
void enqueue(cudaStream_t stream, const char* what, std::function<void()> work);   // runs in stream order on the host
struct Allocation { const void* base; size_t bytes; int device; };
bool find_allocation(const void* pointer, size_t bytes, Allocation* out);          // live cudaMalloc block holding [p, p+bytes)
[[noreturn]] void fault(cudaError_t error, const std::string& message);            // inside enqueued work: a sticky kernel-like fault
}
