// cuBLASLt stand-in: cublasLtMatmul. The call checks what cuBLASLt checks on the host (status);
// the enqueued work checks memory the way a kernel meets it (bn_sim::fault: an illegal or
// misaligned address), then runs the reference GEMM batch item by batch item.
#include "cublaslt_sim.h"

#include <bn_sim/runtime.h>

#include <cstring>
#include <sstream>

namespace bn_sim {
namespace lt {
namespace {

using Status = cublasStatus_t;

// Everything the enqueued work needs, copied at the call (the caller may change its descriptors
// and host scalars as soon as cublasLtMatmul returns).
struct Job {
    Problem problem;
    const float* a = nullptr;
    const float* b = nullptr;
    const float* c = nullptr;
    float* d = nullptr;
    const float* bias = nullptr;
    void* workspace = nullptr;
    uint64_t workspace_bytes = 0;  // what the algorithm uses
    double alpha = 1.0, beta = 0.0;
};

bool same_layout(const Layout& x, const Layout& y) {
    return x.type == y.type && x.order == y.order && x.rows == y.rows && x.cols == y.cols && x.ld == y.ld &&
           x.batch == y.batch && x.stride == y.stride && x.plane_offset == y.plane_offset;
}

std::string describe(const void* pointer, uint64_t bytes) {
    std::ostringstream text;
    text << "[" << pointer << ", +" << bytes << " bytes)";
    return text.str();
}

// Inside the enqueued work: the range must lie in one live device allocation, as a kernel
// reading it would need.
void require_memory(const void* pointer, uint64_t bytes, const char* what) {
    if (bytes == 0) return;
    Allocation allocation{};
    if (!find_allocation(pointer, static_cast<size_t>(bytes), &allocation))
        fault(cudaErrorIllegalAddress, std::string("cublasLtMatmul: ") + what + " " + describe(pointer, bytes) +
                                           " is not inside a live device allocation");
}

void run(const Job& job) {
    const Problem& p = job.problem;
    const uint64_t element = sizeof(float);
    require_memory(job.a, p.a.extent * element, "A");
    require_memory(job.b, p.b.extent * element, "B");
    if (job.beta != 0.0) require_memory(job.c, p.c.extent * element, "C");  // read only when beta != 0
    require_memory(job.d, p.d.extent * element, "D");
    if (p.bias) {
        // The preferences say nothing about the bias; cuBLASLt's kernels may load it 16 bytes at a time.
        if (reinterpret_cast<uintptr_t>(job.bias) % 16 != 0)
            fault(cudaErrorMisalignedAddress,
                  "cublasLtMatmul: bias pointer " + describe(job.bias, 0) + " is not 16-byte aligned");
        require_memory(job.bias, static_cast<uint64_t>((p.batch - 1) * p.bias_stride + p.m) * element, "bias");
    }
    if (job.workspace_bytes > 0) {
        require_memory(job.workspace, job.workspace_bytes, "workspace");
        std::memset(job.workspace, 0xA5, static_cast<size_t>(job.workspace_bytes));  // the algorithm's scratch
    }

    for (int item = 0; item < p.batch; item++) {
        Gemm g;
        g.m = p.m;
        g.n = p.n;
        g.k = p.k;
        g.trans_a = p.trans_a;
        g.trans_b = p.trans_b;
        g.tf32 = p.tf32;
        // An operand with no elements (k == 0) may be null: no arithmetic on it.
        g.a = p.a.extent ? job.a + item * p.a.stride : nullptr;
        g.lda = p.a.ld;
        g.b = p.b.extent ? job.b + item * p.b.stride : nullptr;
        g.ldb = p.b.ld;
        g.c = job.beta != 0.0 ? job.c + item * p.c.stride : nullptr;
        g.ldc = p.c.ld;
        g.d = job.d + item * p.d.stride;
        g.ldd = p.d.ld;
        g.alpha = job.alpha;
        g.beta = job.beta;
        g.bias = p.bias ? job.bias + item * p.bias_stride : nullptr;
        reference_gemm(g);
    }
}

// The algorithm to run: the one given (which must be the heuristic's and fit this problem), or,
// for a null algo, the one the implicit default-preference query cuBLASLt documents would pick.
Status algorithm_for(const Problem& problem, const cublasLtMatmulAlgo_t* algo, size_t workspace_bytes,
                     Algorithm* algorithm, std::string* reason) {
    if (!algo) {
        Preference defaults;
        defaults.max_workspace = workspace_bytes;
        return choose(problem, defaults, algorithm, reason);
    }
    if (!decode(*algo, algorithm)) {
        *reason = "algo was not returned by cublasLtMatmulAlgoGetHeuristic";
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (algorithm->epilogue != problem.epilogue || algorithm->compute != problem.compute) {
        *reason = "algo was found for another epilogue or compute type";
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    if (problem.bias) {  // the switch holds for algorithms found before it was set, too
        Algorithm again;
        Preference same;
        Status status = choose(problem, same, &again, reason);
        if (status != CUBLAS_STATUS_SUCCESS) return status;
    }
    return CUBLAS_STATUS_SUCCESS;
}

Status check_pointers(const Problem& p, const Job& job, const Algorithm& algorithm, std::string* reason) {
    const void* pointers[4] = {job.a, job.b, job.c, job.d};
    const int64_t extents[4] = {p.a.extent, p.b.extent, job.beta != 0.0 ? p.c.extent : 0, p.d.extent};
    const char* names[4] = {"A", "B", "C", "D"};
    for (int i = 0; i < 4; i++) {
        if (!pointers[i]) {
            if (extents[i] == 0) continue;
            *reason = std::string(names[i]) + " is null";
            return CUBLAS_STATUS_INVALID_VALUE;
        }
        uint32_t promised = algorithm.alignment[i] ? algorithm.alignment[i] : 1;
        if (reinterpret_cast<uintptr_t>(pointers[i]) % promised != 0) {
            *reason = std::string(names[i]) + " pointer " + describe(pointers[i], 0) + " is not aligned to the " +
                      std::to_string(promised) + " bytes promised to the heuristic";
            return CUBLAS_STATUS_NOT_SUPPORTED;
        }
    }
    if (p.bias && !job.bias) {
        *reason = "bias epilogue without a bias pointer";
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    return CUBLAS_STATUS_SUCCESS;
}

}  // namespace
}  // namespace lt
}  // namespace bn_sim

using bn_sim::lt::fail;
using bn_sim::lt::Kind;

extern "C" cublasStatus_t cublasLtMatmul(cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc,
                                         const void* alpha, const void* A, cublasLtMatrixLayout_t Adesc, const void* B,
                                         cublasLtMatrixLayout_t Bdesc, const void* beta, const void* C,
                                         cublasLtMatrixLayout_t Cdesc, void* D, cublasLtMatrixLayout_t Ddesc,
                                         const cublasLtMatmulAlgo_t* algo, void* workspace, size_t workspaceSizeInBytes,
                                         cudaStream_t stream) {
    using namespace bn_sim::lt;
    const char* function = "cublasLtMatmul";
    if (!is_live(lightHandle, Kind::handle)) return fail(CUBLAS_STATUS_NOT_INITIALIZED, function, "not a live handle");
    if (!is_live(computeDesc, Kind::matmul_desc) || !is_live(Adesc, Kind::layout) || !is_live(Bdesc, Kind::layout) ||
        !is_live(Cdesc, Kind::layout) || !is_live(Ddesc, Kind::layout))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "a descriptor is null or not live");
    if (!alpha || !beta) return fail(CUBLAS_STATUS_INVALID_VALUE, function, "null alpha or beta");

    Job job;
    std::string reason;
    cublasStatus_t status =
        resolve(computeDesc->value, Adesc->value, Bdesc->value, Cdesc->value, Ddesc->value, &job.problem, &reason);
    if (status != CUBLAS_STATUS_SUCCESS) return fail(status, function, reason);
    // In place (C == D) needs the same layout for both; out of place they may differ in ld only
    // (resolve checked sizes and batch counts).
    if (C == D && !same_layout(Cdesc->value, Ddesc->value))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "C == D with different layouts");

    Algorithm algorithm;
    status = algorithm_for(job.problem, algo, workspaceSizeInBytes, &algorithm, &reason);
    if (status != CUBLAS_STATUS_SUCCESS) return fail(status, function, reason);
    if (workspaceSizeInBytes < algorithm.workspace || (algorithm.workspace > 0 && !workspace))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function,
                    "workspace of " + std::to_string(workspaceSizeInBytes) + " bytes, the algorithm needs " +
                        std::to_string(algorithm.workspace));

    float alpha_value, beta_value;  // host scalars (CUBLASLT_POINTER_MODE_HOST), read at the call
    std::memcpy(&alpha_value, alpha, sizeof(float));
    std::memcpy(&beta_value, beta, sizeof(float));
    job.alpha = alpha_value;
    job.beta = beta_value;
    job.a = static_cast<const float*>(A);
    job.b = static_cast<const float*>(B);
    job.c = static_cast<const float*>(C);
    job.d = static_cast<float*>(D);
    job.bias = static_cast<const float*>(computeDesc->value.bias);
    job.workspace = workspace;
    job.workspace_bytes = algorithm.workspace;
    status = check_pointers(job.problem, job, algorithm, &reason);
    if (status != CUBLAS_STATUS_SUCCESS) return fail(status, function, reason);

    if (job.problem.m == 0 || job.problem.n == 0) return CUBLAS_STATUS_SUCCESS;  // nothing to write
    bn_sim::enqueue(stream, function, [job] { run(job); });
    return CUBLAS_STATUS_SUCCESS;
}
