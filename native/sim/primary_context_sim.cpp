// The simulation's primary_context.cu: there is no driver and no other library's context to keep,
// so bn_set_device is cudaSetDevice (per host thread, as in CUDA) and the scope does nothing.
#include "common.cuh"

namespace bn {

void set_device_keeping_context(int device) { BN_CUDA(cudaSetDevice(device)); }

PrimaryContextScope::PrimaryContextScope() {}

PrimaryContextScope::~PrimaryContextScope() {}

}  // namespace bn
