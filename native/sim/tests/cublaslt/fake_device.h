// TEST-ONLY: the device memory and stream of the stub runtime (runtime.cpp) the cuBLASLt tests
// run against until the simulated runtime exists.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

namespace fake_device {

void* allocate(size_t bytes);  // 256-byte aligned, known to bn_sim::find_allocation until released
void release(void* pointer);

// The sticky fault the last enqueued work raised, if any; clears it.
bool take_fault(cudaError_t* error, std::string* message);

int enqueued();  // work items run so far

}  // namespace fake_device
