// Internals of the cuBLASLt stand-in (see include/cublasLt.h for what it implements): the objects
// behind the opaque handles, the registry that tells live objects from dangling pointers, the
// validated problem a matmul descriptor and four layouts describe, the algorithm encoding, and
// the reference GEMM.
#pragma once

#include <cublasLt.h>

#include <cstdint>
#include <string>

namespace bn_sim {
namespace lt {

// Every attribute a descriptor can hold, as set (defaults as documented). Values are checked
// when a heuristic query or a matmul uses them (resolve), as cuBLASLt does.
struct Layout {
    uint32_t type = CUDA_R_32F;
    int32_t order = CUBLASLT_ORDER_COL;
    uint64_t rows = 0, cols = 0;
    int64_t ld = 0;
    int32_t batch = 1;
    int64_t stride = 0;  // elements between batch items
    int64_t plane_offset = 0;
};

struct MatmulDesc {
    int32_t compute = CUBLAS_COMPUTE_32F;
    int32_t scale = CUDA_R_32F;
    int32_t pointer_mode = CUBLASLT_POINTER_MODE_HOST;
    int32_t trans_a = CUBLAS_OP_N, trans_b = CUBLAS_OP_N, trans_c = CUBLAS_OP_N;
    int32_t fill = CUBLAS_FILL_MODE_FULL;
    uint32_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
    const void* bias = nullptr;
    int64_t bias_stride = 0;
    int32_t bias_type = -1;  // -1: D's type
};

struct Preference {
    uint64_t max_workspace = 0;
    uint32_t alignment[4] = {256, 256, 256, 256};  // A, B, C, D: bytes
};

// ---- Registry: only pointers the stand-in created and has not destroyed are dereferenced ----

enum class Kind { handle, matmul_desc, layout, preference };
void track(const void* object, Kind kind);
bool untrack(const void* object, Kind kind);  // false when not live as that kind
bool is_live(const void* object, Kind kind);

// Logs (stderr) when CUBLASLT_LOG_LEVEL >= 1, as cuBLASLt's own logging does, and returns status.
cublasStatus_t fail(cublasStatus_t status, const char* function, const std::string& reason);

// ---- The problem: column-major D[m,n] = alpha op(A)[m,k] op(B)[k,n] + beta C (+ bias[m]) ----

struct Operand {  // one matrix as stored, with its batch
    int64_t rows = 0, cols = 0, ld = 0, stride = 0;
    int64_t extent = 0;  // elements from the first to one past the last addressed, all batches
};

struct Problem {
    int64_t m = 0, n = 0, k = 0;
    int batch = 1;
    bool trans_a = false, trans_b = false, tf32 = false, bias = false;
    int64_t bias_stride = 0;
    uint32_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
    int32_t compute = CUBLAS_COMPUTE_32F;
    Operand a, b, c, d;
};

// Checks the descriptor and layouts against each other and against what the stand-in
// implements: NOT_SUPPORTED for unimplemented values, INVALID_VALUE for inconsistent ones
// (reason says which).
cublasStatus_t resolve(const MatmulDesc& op, const Layout& a, const Layout& b, const Layout& c, const Layout& d,
                       Problem* problem, std::string* reason);

// ---- Algorithms: what the heuristic promised, kept inside cublasLtMatmulAlgo_t ----

struct Algorithm {
    uint64_t workspace = 0;        // bytes the matmul uses (and checks) of the caller's workspace
    uint32_t alignment[4] = {};    // promised pointer alignments of A, B, C, D
    uint32_t epilogue = 0;
    int32_t compute = 0;
};

constexpr uint64_t kSimWorkspaceBytes = 64 << 10;  // what the simulated algorithm claims at most

// An algorithm for the problem under the preference, or NOT_SUPPORTED (no algorithm).
cublasStatus_t choose(const Problem& problem, const Preference& preference, Algorithm* algorithm,
                      std::string* reason);
cublasLtMatmulAlgo_t encode(const Algorithm& algorithm);
bool decode(const cublasLtMatmulAlgo_t& algo, Algorithm* algorithm);  // false: not the heuristic's

// ---- Reference GEMM (one batch item, column-major, host memory) ----

float round_to_tf32(float value);  // 10 mantissa bits, round to nearest even; Inf/NaN unchanged

struct Gemm {
    int64_t m = 0, n = 0, k = 0;
    bool trans_a = false, trans_b = false, tf32 = false;
    const float* a = nullptr; int64_t lda = 0;
    const float* b = nullptr; int64_t ldb = 0;
    const float* c = nullptr; int64_t ldc = 0;  // read only when beta != 0
    float* d = nullptr; int64_t ldd = 0;
    double alpha = 1.0, beta = 0.0;
    const float* bias = nullptr;  // bias[m] added to every column, or null
};

// Products of floats are exact in double and are summed over k in increasing order; alpha,
// beta C and the bias are added in double and the result is rounded to float once.
void reference_gemm(const Gemm& gemm);

}  // namespace lt
}  // namespace bn_sim

// The objects behind the public opaque types.
struct cublasLtContext { int unused = 0; };
struct cublasLtMatmulDescOpaque_t { bn_sim::lt::MatmulDesc value; };
struct cublasLtMatrixLayoutOpaque_t { bn_sim::lt::Layout value; };
struct cublasLtMatmulPreferenceOpaque_t { bn_sim::lt::Preference value; };
