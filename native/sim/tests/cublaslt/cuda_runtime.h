// TEST-ONLY stand-in for the simulated runtime's <cuda_runtime.h> (the sim helper owns the real
// shadow in native/sim/include). Just what the cuBLASLt stand-in and its tests use; the values
// are the real CUDA ones.
#pragma once

typedef struct CUstream_st* cudaStream_t;

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorIllegalAddress = 700,
    cudaErrorMisalignedAddress = 716,
} cudaError_t;
