// cuBLASLt stand-in: cublasLtMatmulAlgoGetHeuristic and the algorithm it returns. There is one
// simulated algorithm; what makes it "the one for this problem" is recorded inside the
// cublasLtMatmulAlgo_t (the alignments it was promised, its workspace, epilogue and compute
// type) so that cublasLtMatmul can hold the caller to the promise.
#include "cublaslt_sim.h"

#include <cstdlib>
#include <cstring>

namespace bn_sim {
namespace lt {
namespace {

constexpr uint64_t kMagic = 0x424E53494D4C5401ull;  // "BNSIMLT" + version 1

// BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1: no algorithm for a bias epilogue (forces gemm.cu's
// separate bias kernel). Read at every query so that tests can switch it.
bool bias_epilogue_disabled() {
    const char* value = std::getenv("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE");
    return value && std::strcmp(value, "1") == 0;
}

}  // namespace

cublasStatus_t choose(const Problem& problem, const Preference& preference, Algorithm* algorithm,
                      std::string* reason) {
    if (problem.bias && bias_epilogue_disabled()) {
        *reason = "bias epilogue disabled by BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1";
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    for (int i = 0; i < 4; i++)
        if (preference.alignment[i] < sizeof(float)) {  // no FP32 kernel reads under-aligned floats
            *reason = "minimum alignment " + std::to_string(preference.alignment[i]) + " below 4 bytes";
            return CUBLAS_STATUS_NOT_SUPPORTED;
        }
    Algorithm chosen;
    chosen.workspace = preference.max_workspace < kSimWorkspaceBytes ? preference.max_workspace : kSimWorkspaceBytes;
    for (int i = 0; i < 4; i++) chosen.alignment[i] = preference.alignment[i];
    chosen.epilogue = problem.epilogue;
    chosen.compute = problem.compute;
    *algorithm = chosen;
    return CUBLAS_STATUS_SUCCESS;
}

cublasLtMatmulAlgo_t encode(const Algorithm& algorithm) {
    cublasLtMatmulAlgo_t algo{};
    algo.data[0] = kMagic;
    algo.data[1] = algorithm.workspace;
    algo.data[2] = algorithm.alignment[0] | static_cast<uint64_t>(algorithm.alignment[1]) << 32;
    algo.data[3] = algorithm.alignment[2] | static_cast<uint64_t>(algorithm.alignment[3]) << 32;
    algo.data[4] = algorithm.epilogue;
    algo.data[5] = static_cast<uint32_t>(algorithm.compute);
    return algo;
}

bool decode(const cublasLtMatmulAlgo_t& algo, Algorithm* algorithm) {
    if (algo.data[0] != kMagic) return false;
    algorithm->workspace = algo.data[1];
    algorithm->alignment[0] = static_cast<uint32_t>(algo.data[2]);
    algorithm->alignment[1] = static_cast<uint32_t>(algo.data[2] >> 32);
    algorithm->alignment[2] = static_cast<uint32_t>(algo.data[3]);
    algorithm->alignment[3] = static_cast<uint32_t>(algo.data[3] >> 32);
    algorithm->epilogue = static_cast<uint32_t>(algo.data[4]);
    algorithm->compute = static_cast<int32_t>(algo.data[5]);
    return true;
}

}  // namespace lt
}  // namespace bn_sim

using bn_sim::lt::fail;
using bn_sim::lt::Kind;

extern "C" cublasStatus_t cublasLtMatmulAlgoGetHeuristic(
    cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc, cublasLtMatrixLayout_t Adesc,
    cublasLtMatrixLayout_t Bdesc, cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
    cublasLtMatmulPreference_t preference, int requestedAlgoCount, cublasLtMatmulHeuristicResult_t heuristicResultsArray[],
    int* returnAlgoCount) {
    const char* function = "cublasLtMatmulAlgoGetHeuristic";
    if (returnAlgoCount) *returnAlgoCount = 0;
    if (!bn_sim::lt::is_live(lightHandle, Kind::handle))
        return fail(CUBLAS_STATUS_NOT_INITIALIZED, function, "not a live handle");
    if (!returnAlgoCount || !heuristicResultsArray || requestedAlgoCount < 1)
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "no room for results");
    if (!bn_sim::lt::is_live(operationDesc, Kind::matmul_desc) || !bn_sim::lt::is_live(Adesc, Kind::layout) ||
        !bn_sim::lt::is_live(Bdesc, Kind::layout) || !bn_sim::lt::is_live(Cdesc, Kind::layout) ||
        !bn_sim::lt::is_live(Ddesc, Kind::layout) || !bn_sim::lt::is_live(preference, Kind::preference))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "a descriptor is null or not live");

    bn_sim::lt::Problem problem;
    std::string reason;
    cublasStatus_t status = bn_sim::lt::resolve(operationDesc->value, Adesc->value, Bdesc->value, Cdesc->value,
                                                Ddesc->value, &problem, &reason);
    if (status != CUBLAS_STATUS_SUCCESS) return fail(status, function, reason);
    bn_sim::lt::Algorithm algorithm;
    status = bn_sim::lt::choose(problem, preference->value, &algorithm, &reason);
    if (status != CUBLAS_STATUS_SUCCESS) return fail(status, function, reason);

    cublasLtMatmulHeuristicResult_t result{};
    result.algo = bn_sim::lt::encode(algorithm);
    result.workspaceSize = algorithm.workspace;
    result.state = CUBLAS_STATUS_SUCCESS;
    result.wavesCount = 1.0f;
    heuristicResultsArray[0] = result;
    *returnAlgoCount = 1;
    return CUBLAS_STATUS_SUCCESS;
}
