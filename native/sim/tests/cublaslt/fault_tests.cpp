// Memory the cuBLASLt stand-in's queued work cannot use faults like a kernel would: cublasLtMatmul
// returns success, and the runtime's sticky error (cudaErrorIllegalAddress, cudaErrorMisalignedAddress)
// comes from the next synchronizing call, its message in cudaGetErrorString. A fault loses the device
// for the rest of the process, so each case ends with the one fault it expects; what must not fault
// runs before it.
#include <cstdint>
#include <vector>

#include "lt_fixture.h"

using namespace lt_test;

namespace {

// A 256-byte aligned pointer into host memory (any promised alignment holds; it is no device memory).
float* aligned_host(std::vector<float>& host) {
    return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(host.data()) + 255) / 256 * 256);
}

}  // namespace

BN_TEST(cublaslt_operand_in_host_memory_faults) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 2, 0, 0.0f);
    DeviceFloats a(span_a(g)), b(span_b(g)), c(span_c(g));
    // The exact extent is enough (no padding after the last row).
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    OK(cudaDeviceSynchronize());
    std::vector<float> host(1024);
    outcome = run_row_major(handle.value, g, aligned_host(host), b.data, c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);  // a kernel finds out, not the call
    CHECK_CUDA(cudaErrorIllegalAddress, cudaDeviceSynchronize());
    // Our A is cuBLASLt's B (gemm.cu swaps the operands).
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "cublasLtMatmul: B ");
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "is not inside a live device allocation");
}

// Inside an allocation, but the second batch item runs past its end.
BN_TEST(cublaslt_batch_past_allocation_end_faults) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 2, 0, 0.0f);
    DeviceFloats a(span_a(g)), b(span_b(g)), short_c(span_c(g) - 1);
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, short_c.data, nullptr);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    CHECK_CUDA(cudaErrorIllegalAddress, cudaStreamSynchronize(nullptr));
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "cublasLtMatmul: D ");
}

BN_TEST(cublaslt_misaligned_bias_faults) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    DeviceFloats a(64), b(64), c(64), bias(64);
    // Bias epilogue without a bias pointer: refused by the call.
    cublasLtMatmulDesc_t op;
    cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F);
    cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
    cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue));
    cublasLtMatrixLayout_t l;
    cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4);
    float alpha = 1.0f, beta = 0.0f;
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, cublasLtMatmul(handle.value, op, &alpha, a.data, l, b.data, l, &beta, c.data, l,
                                                             c.data, l, nullptr, nullptr, 0, nullptr));
    cublasLtMatrixLayoutDestroy(l);
    cublasLtMatmulDescDestroy(op);
    // Bias 4 bytes off 16: cuBLASLt's kernel may fault; the simulation always does.
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data + 1);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    OK(cudaGetLastError());  // queued, not run: nothing fails before the stream runs
    CHECK_CUDA(cudaErrorMisalignedAddress, cudaDeviceSynchronize());
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorMisalignedAddress), "is not 16-byte aligned");
}

BN_TEST(cublaslt_host_bias_faults) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    DeviceFloats a(64), b(64), c(64);
    alignas(16) static float host_bias[8] = {};
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, host_bias);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    CHECK_CUDA(cudaErrorIllegalAddress, cudaDeviceSynchronize());
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "cublasLtMatmul: bias ");
}

BN_TEST(cublaslt_workspace_rules) {
    Handle handle;
    RowGemm g = shape(false, false, 4, 8, 4, 1, 0, 0.0f);
    DeviceFloats a(64), b(64), c(64);
    Options options;
    options.workspace_bytes = 100;  // the heuristic was allowed 32 MiB and took 64 KiB
    Outcome outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_CUBLAS(CUBLAS_STATUS_INVALID_VALUE, outcome.matmul);
    // No workspace allowed, none needed.
    Options none;
    none.max_workspace = 0;
    none.workspace_bytes = 0;
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, none);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    OK(cudaDeviceSynchronize());
    // A workspace that is not device memory: the algorithm's use of it faults.
    std::vector<char> host(1 << 20);
    options.workspace = host.data();
    options.workspace_bytes = host.size();
    outcome = run_row_major(handle.value, g, a.data, b.data, c.data, nullptr, options);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, outcome.matmul);
    CHECK_CUDA(cudaErrorIllegalAddress, cudaDeviceSynchronize());
    CHECK_CONTAINS(cudaGetErrorString(cudaErrorIllegalAddress), "cublasLtMatmul: workspace ");
}
