// cuBLASLt for the CPU simulation build: the part of the real <cublasLt.h> that BertNative's
// kernels use (gemm.cu, api.cu), with the real enumerator values, implemented by
// native/sim/cublaslt_sim_*.cpp. Matmuls run in stream order through bn_sim::enqueue and are
// computed by a reference GEMM (double accumulation; TF32 compute rounds A and B to TF32 first).
//
// What the stand-in implements (anything else is refused with an error, never approximated):
//   - FP32 only: every layout CUDA_R_32F, column-major (CUBLASLT_ORDER_COL); compute type
//     CUBLAS_COMPUTE_32F or CUBLAS_COMPUTE_32F_FAST_TF32; scale type CUDA_R_32F; host alpha/beta.
//   - TRANSA/TRANSB N, T (C = T for real data); TRANSC N; strided batches (batch count and stride
//     per layout, all batch counts equal, non-negative strides; 0 broadcasts an input).
//   - Epilogues DEFAULT and BIAS (bias[rows of D], optional BIAS_BATCH_STRIDE), bias type FP32.
//   - Preferences MAX_WORKSPACE_BYTES and MIN_ALIGNMENT_{A,B,C,D}_BYTES (default 256, as documented).
//     The heuristic's one algorithm keeps the promised alignments, and uses (overwrites) up to
//     64 KiB of the caller's workspace, never more than MAX_WORKSPACE_BYTES (workspaceSize says).
//   - In place (C == D, identical layouts) and out of place (C's ld may differ); C is not read
//     when beta == 0, so NaN there does not reach D.
//
// Errors, as cuBLASLt gives them:
//   CUBLAS_STATUS_NOT_INITIALIZED  a null or destroyed handle.
//   CUBLAS_STATUS_INVALID_VALUE    null/destroyed descriptors, a null alpha, beta, A, B or D (or C
//                                  with beta != 0) that has elements, a wrong attribute size or null
//                                  buffer, an unknown attribute id, sizes that disagree after the
//                                  transposes, ld < rows, a batch count below 1, unequal batch
//                                  counts, batch items of D that overlap, C == D with different
//                                  layouts, an algo the heuristic did not return, a workspace
//                                  smaller than the algorithm's, a bias epilogue without a bias
//                                  pointer, no room for heuristic results.
//   CUBLAS_STATUS_NOT_SUPPORTED    a known attribute or value the stand-in does not implement
//                                  (other types, orders, compute types, epilogues, pointer modes,
//                                  negative ld or strides, planar complex, TRANSC/FILL_MODE), a
//                                  promised alignment below 4 bytes (no FP32 algorithm), and
//                                  (cublasLtMatmul) an A/B/C/D pointer less aligned than promised
//                                  to the heuristic (default 256), or an algo found for another
//                                  epilogue/compute type.
//   CUBLAS_STATUS_ALLOC_FAILED     no host memory for a descriptor.
// Set CUBLASLT_LOG_LEVEL=1 to have each refusal's reason printed to stderr.
// Faults, reported like a kernel's (bn_sim::fault, sticky) when the enqueued matmul runs:
//   cudaErrorIllegalAddress        an operand, bias or workspace range outside any live allocation.
//   cudaErrorMisalignedAddress     a bias pointer below 16-byte alignment (cuBLASLt's kernels may
//                                  assume it: the preferences do not cover the bias).
//
// Switch: BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1 (read at each heuristic query) makes
// cublasLtMatmulAlgoGetHeuristic find no algorithm (CUBLAS_STATUS_NOT_SUPPORTED, 0 results) for
// a bias epilogue, so gemm.cu takes its add_bias_kernel fallback.
//
// cublasLtGetVersion() returns 0: no real cuBLASLt version, so logs show "cuBLASLt 0" under
// simulation.
//
// cudaDataType: the real toolkit defines it in <library_types.h>. This header defines it unless
// the simulated runtime headers already did and say so with BN_SIM_HAS_LIBRARY_TYPES.
#pragma once

#include <cuda_runtime.h>
#include <cstddef>
#include <cstdint>

#ifndef BN_SIM_HAS_LIBRARY_TYPES
typedef enum cudaDataType_t {
    CUDA_R_32F = 0,
    CUDA_R_64F = 1,
    CUDA_R_16F = 2,
    CUDA_R_8I = 3,
    CUDA_R_32I = 10,
    CUDA_R_16BF = 14,
} cudaDataType_t;
typedef cudaDataType_t cudaDataType;
#endif

typedef enum {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
    CUBLAS_STATUS_LICENSE_ERROR = 16,
} cublasStatus_t;

typedef enum {
    CUBLAS_COMPUTE_16F = 64,
    CUBLAS_COMPUTE_16F_PEDANTIC = 65,
    CUBLAS_COMPUTE_32F = 68,
    CUBLAS_COMPUTE_32F_PEDANTIC = 69,
    CUBLAS_COMPUTE_32F_FAST_16F = 74,
    CUBLAS_COMPUTE_32F_FAST_16BF = 75,
    CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
    CUBLAS_COMPUTE_64F = 70,
    CUBLAS_COMPUTE_64F_PEDANTIC = 71,
    CUBLAS_COMPUTE_32I = 72,
    CUBLAS_COMPUTE_32I_PEDANTIC = 73,
} cublasComputeType_t;

typedef enum {
    CUBLAS_OP_N = 0,
    CUBLAS_OP_T = 1,
    CUBLAS_OP_C = 2,
} cublasOperation_t;

typedef enum {
    CUBLAS_FILL_MODE_LOWER = 0,
    CUBLAS_FILL_MODE_UPPER = 1,
    CUBLAS_FILL_MODE_FULL = 2,
} cublasFillMode_t;

typedef enum {
    CUBLASLT_ORDER_COL = 0,
    CUBLASLT_ORDER_ROW = 1,
    CUBLASLT_ORDER_COL32 = 2,
    CUBLASLT_ORDER_COL4_4R2_8C = 3,
    CUBLASLT_ORDER_COL32_2R_4R4 = 4,
} cublasLtOrder_t;

typedef enum {
    CUBLASLT_POINTER_MODE_HOST = 0,
    CUBLASLT_POINTER_MODE_DEVICE = 1,
    CUBLASLT_POINTER_MODE_DEVICE_VECTOR = 2,
    CUBLASLT_POINTER_MODE_ALPHA_DEVICE_VECTOR_BETA_ZERO = 3,
    CUBLASLT_POINTER_MODE_ALPHA_DEVICE_VECTOR_BETA_HOST = 4,
} cublasLtPointerMode_t;

typedef enum {
    CUBLASLT_MATRIX_LAYOUT_TYPE = 0,                  // uint32_t (cudaDataType)
    CUBLASLT_MATRIX_LAYOUT_ORDER = 1,                 // int32_t (cublasLtOrder_t)
    CUBLASLT_MATRIX_LAYOUT_ROWS = 2,                  // uint64_t
    CUBLASLT_MATRIX_LAYOUT_COLS = 3,                  // uint64_t
    CUBLASLT_MATRIX_LAYOUT_LD = 4,                    // int64_t
    CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT = 5,           // int32_t
    CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET = 6,  // int64_t, elements
    CUBLASLT_MATRIX_LAYOUT_PLANE_OFFSET = 7,          // int64_t
} cublasLtMatrixLayoutAttribute_t;

typedef enum {
    CUBLASLT_MATMUL_DESC_COMPUTE_TYPE = 0,               // int32_t
    CUBLASLT_MATMUL_DESC_SCALE_TYPE = 1,                 // int32_t
    CUBLASLT_MATMUL_DESC_POINTER_MODE = 2,               // int32_t
    CUBLASLT_MATMUL_DESC_TRANSA = 3,                     // int32_t
    CUBLASLT_MATMUL_DESC_TRANSB = 4,                     // int32_t
    CUBLASLT_MATMUL_DESC_TRANSC = 5,                     // int32_t
    CUBLASLT_MATMUL_DESC_FILL_MODE = 6,                  // int32_t
    CUBLASLT_MATMUL_DESC_EPILOGUE = 7,                   // uint32_t
    CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8,               // void*
    CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE = 10,         // int64_t
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER = 11,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD = 12,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_BATCH_STRIDE = 13,
    CUBLASLT_MATMUL_DESC_ALPHA_VECTOR_BATCH_STRIDE = 14,
    CUBLASLT_MATMUL_DESC_SM_COUNT_TARGET = 15,
    CUBLASLT_MATMUL_DESC_A_SCALE_POINTER = 17,
    CUBLASLT_MATMUL_DESC_B_SCALE_POINTER = 18,
    CUBLASLT_MATMUL_DESC_C_SCALE_POINTER = 19,
    CUBLASLT_MATMUL_DESC_D_SCALE_POINTER = 20,
    CUBLASLT_MATMUL_DESC_AMAX_D_POINTER = 21,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_DATA_TYPE = 22,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_SCALE_POINTER = 23,
    CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_AMAX_POINTER = 24,
    CUBLASLT_MATMUL_DESC_FAST_ACCUM = 25,
    CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE = 26,            // int32_t (cudaDataType), -1 = D's type
} cublasLtMatmulDescAttributes_t;

typedef enum {
    CUBLASLT_EPILOGUE_DEFAULT = 1,
    CUBLASLT_EPILOGUE_RELU = 2,
    CUBLASLT_EPILOGUE_BIAS = 4,
    CUBLASLT_EPILOGUE_RELU_BIAS = 6,
    CUBLASLT_EPILOGUE_GELU = 32,
    CUBLASLT_EPILOGUE_GELU_BIAS = 36,
    CUBLASLT_EPILOGUE_RELU_AUX = 130,
    CUBLASLT_EPILOGUE_RELU_AUX_BIAS = 134,
    CUBLASLT_EPILOGUE_DRELU = 136,
    CUBLASLT_EPILOGUE_DRELU_BGRAD = 152,
    CUBLASLT_EPILOGUE_GELU_AUX = 160,
    CUBLASLT_EPILOGUE_GELU_AUX_BIAS = 164,
    CUBLASLT_EPILOGUE_DGELU = 192,
    CUBLASLT_EPILOGUE_DGELU_BGRAD = 208,
    CUBLASLT_EPILOGUE_BGRADA = 256,
    CUBLASLT_EPILOGUE_BGRADB = 512,
} cublasLtEpilogue_t;

typedef enum {
    CUBLASLT_MATMUL_PREF_SEARCH_MODE = 0,
    CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1,      // uint64_t
    CUBLASLT_MATMUL_PREF_MATH_MODE_MASK = 2,
    CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK = 3,
    CUBLASLT_MATMUL_PREF_GAUSSIAN_MODE_MASK = 4,
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5,    // uint32_t, default 256
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6,    // uint32_t, default 256
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7,    // uint32_t, default 256
    CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8,    // uint32_t, default 256
    CUBLASLT_MATMUL_PREF_MAX_WAVES_COUNT = 9,
    CUBLASLT_MATMUL_PREF_POINTER_MODE_MASK = 10,
    CUBLASLT_MATMUL_PREF_EPILOGUE_MASK = 11,
    CUBLASLT_MATMUL_PREF_IMPL_MASK = 12,
} cublasLtMatmulPreferenceAttributes_t;

typedef struct cublasLtContext* cublasLtHandle_t;
typedef struct cublasLtMatmulDescOpaque_t* cublasLtMatmulDesc_t;
typedef struct cublasLtMatrixLayoutOpaque_t* cublasLtMatrixLayout_t;
typedef struct cublasLtMatmulPreferenceOpaque_t* cublasLtMatmulPreference_t;

// Opaque to callers, copyable by value (as in the real header); the stand-in keeps what the
// heuristic promised in it (see cublaslt_sim.h).
typedef struct {
    uint64_t data[8];
} cublasLtMatmulAlgo_t;

typedef struct {
    cublasLtMatmulAlgo_t algo;
    size_t workspaceSize;
    cublasStatus_t state;
    float wavesCount;
    int reserved[4];
} cublasLtMatmulHeuristicResult_t;

#ifdef __cplusplus
extern "C" {
#endif

size_t cublasLtGetVersion(void);

cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle);
cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle);

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows,
                                          uint64_t cols, int64_t ld);
cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout);
cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr,
                                                const void* buf, size_t sizeInBytes);

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType,
                                        cudaDataType_t scaleType);
cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc);
cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
                                              const void* buf, size_t sizeInBytes);

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref);
cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref);
cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
                                                    cublasLtMatmulPreferenceAttributes_t attr, const void* buf,
                                                    size_t sizeInBytes);

cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
                                              cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
                                              cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
                                              cublasLtMatmulPreference_t preference, int requestedAlgoCount,
                                              cublasLtMatmulHeuristicResult_t heuristicResultsArray[],
                                              int* returnAlgoCount);

cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc, const void* alpha,
                              const void* A, cublasLtMatrixLayout_t Adesc, const void* B, cublasLtMatrixLayout_t Bdesc,
                              const void* beta, const void* C, cublasLtMatrixLayout_t Cdesc, void* D,
                              cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t* algo, void* workspace,
                              size_t workspaceSizeInBytes, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
