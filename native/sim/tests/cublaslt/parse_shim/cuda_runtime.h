// TEST-ONLY, parse-only: just enough of the CUDA runtime and language for g++/clang++ to parse
// native/kernels/gemm.cu as C++ (run.sh), so that any error left there other than the <<<>>>
// launch would come from the cuBLASLt stand-in's header. Nothing here is linked or run.
#pragma once

#include <cmath>
#include <cstddef>

typedef struct CUstream_st* cudaStream_t;

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchTimeout = 702,
    cudaErrorAssert = 710,
    cudaErrorHardwareStackError = 714,
    cudaErrorIllegalInstruction = 715,
    cudaErrorMisalignedAddress = 716,
    cudaErrorInvalidAddressSpace = 717,
    cudaErrorInvalidPc = 718,
    cudaErrorLaunchFailure = 719,
} cudaError_t;

#define __global__
#define __device__
#define __host__

struct bn_parse_uint3 { unsigned int x, y, z; };
extern bn_parse_uint3 threadIdx, blockIdx, blockDim, gridDim;

const char* cudaGetErrorName(cudaError_t error);
const char* cudaGetErrorString(cudaError_t error);
cudaError_t cudaGetLastError();
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaMemset2DAsync(void* pointer, size_t pitch, int value, size_t width, size_t height, cudaStream_t stream);
float __shfl_xor_sync(unsigned mask, float value, int lane_mask);
