// What the cuBLASLt stand-in's cases share: device buffers from the simulated runtime (cudaMalloc
// on the current device, copies through cudaMemcpy, so they are ordered after the matmuls queued
// on the legacy stream), a handle, random data, the gemm.cu-like shapes, and the run-and-compare
// against the naive loop. Faults are the runtime's: sticky on the device, reported by the next
// synchronizing call, message in cudaGetErrorString.
#pragma once

#include <cublasLt.h>

#include <string>
#include <vector>

#include "../harness.h"
#include "lt_driver.h"

namespace lt_test {

const char* status_name(cublasStatus_t status);

// A device allocation of floats (cudaMalloc on the current device; NaN until written).
struct DeviceFloats {
    float* data = nullptr;
    size_t count = 0;
    explicit DeviceFloats(size_t n);
    ~DeviceFloats();  // cudaFree (fails harmlessly on a device lost to a fault)
    DeviceFloats(const DeviceFloats&) = delete;
    DeviceFloats& operator=(const DeviceFloats&) = delete;
    void upload(const std::vector<float>& host);  // host.size() elements from the start
    std::vector<float> download() const;          // all of them, once the queued work has run
};

struct Handle {
    cublasLtHandle_t value = nullptr;
    Handle();
    ~Handle();
};

std::vector<float> random_values(size_t n, unsigned seed);

// Row-major op(A)[M,K] op(B)[K,N] as gemm.cu lays it out, every ld and batch stride padded by `pad`.
RowGemm shape(bool trans_a, bool trans_b, int M, int N, int K, int batch, int pad, float beta);

// Runs g through the stand-in on random data (C random, or NaN when nan_in_c) and compares every
// element of C, padding included, bit for bit with the naive loop; also that no fault was raised.
// Prints the first difference.
bool matches_naive(const RowGemm& g, bool with_bias, unsigned seed, bool nan_in_c = false,
                   cublasComputeType_t compute = CUBLAS_COMPUTE_32F);

}  // namespace lt_test

// As the harness's CHECK_CUDA, for cuBLASLt statuses.
#define CHECK_CUBLAS(expected, call)                                                                             \
    do {                                                                                                         \
        cublasStatus_t bn_status = (call);                                                                       \
        if (bn_status != (expected))                                                                             \
            ::bn_sim_tests::fail(std::string(#call) + " is " + ::lt_test::status_name(bn_status) + ", expected " + \
                                     ::lt_test::status_name(expected),                                           \
                                 __FILE__, __LINE__);                                                            \
    } while (0)
