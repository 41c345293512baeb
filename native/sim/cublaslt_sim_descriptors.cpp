// cuBLASLt stand-in: the handle, the matmul descriptor, matrix layouts and preferences. Set
// functions check the buffer and its size (INVALID_VALUE, as documented) and store the value;
// resolve() judges the values when a heuristic query or a matmul uses them. Attributes the
// stand-in does not implement are refused here (NOT_SUPPORTED) so that nothing is silently
// ignored; ids it does not know at all are INVALID_VALUE.
#include "cublaslt_sim.h"

#include <cstring>
#include <new>

using bn_sim::lt::fail;
using bn_sim::lt::Kind;

namespace {

// Copies an attribute of exactly sizeof(T) bytes into `field`.
template <typename T>
cublasStatus_t store(T* field, const void* buf, size_t size, const char* function) {
    if (!buf) return fail(CUBLAS_STATUS_INVALID_VALUE, function, "null attribute buffer");
    if (size != sizeof(T))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function,
                    "attribute size " + std::to_string(size) + ", expected " + std::to_string(sizeof(T)));
    std::memcpy(field, buf, sizeof(T));
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t not_implemented(const char* function, int attribute) {
    return fail(CUBLAS_STATUS_NOT_SUPPORTED, function,
                "attribute " + std::to_string(attribute) + " is not implemented by the simulation");
}

cublasStatus_t unknown(const char* function, int attribute) {
    return fail(CUBLAS_STATUS_INVALID_VALUE, function, "unknown attribute " + std::to_string(attribute));
}

template <typename Object, typename Value>
cublasStatus_t create(Object** out, Kind kind, const Value& value, const char* function) {
    if (!out) return fail(CUBLAS_STATUS_INVALID_VALUE, function, "null output pointer");
    Object* object = new (std::nothrow) Object{value};
    if (!object) return fail(CUBLAS_STATUS_ALLOC_FAILED, function, "out of host memory");
    bn_sim::lt::track(object, kind);
    *out = object;
    return CUBLAS_STATUS_SUCCESS;
}

// A null descriptor is a no-op, as in cuBLASLt; a pointer that is not live is refused.
template <typename Object>
cublasStatus_t destroy(Object* object, Kind kind, const char* function) {
    if (!object) return CUBLAS_STATUS_SUCCESS;
    if (!bn_sim::lt::untrack(object, kind))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "not a live descriptor (destroyed twice?)");
    delete object;
    return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

extern "C" {

// No real cuBLASLt version: 0 marks the simulation (bn_cublaslt_version reports it).
size_t cublasLtGetVersion(void) { return 0; }

cublasStatus_t cublasLtCreate(cublasLtHandle_t* lightHandle) {
    return create(lightHandle, Kind::handle, 0, "cublasLtCreate");
}

cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle) {
    if (!lightHandle || !bn_sim::lt::untrack(lightHandle, Kind::handle))
        return fail(CUBLAS_STATUS_NOT_INITIALIZED, "cublasLtDestroy", "not a live handle");
    delete lightHandle;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t* matLayout, cudaDataType type, uint64_t rows,
                                          uint64_t cols, int64_t ld) {
    bn_sim::lt::Layout layout;
    layout.type = static_cast<uint32_t>(type);
    layout.rows = rows;
    layout.cols = cols;
    layout.ld = ld;
    return create(matLayout, Kind::layout, layout, "cublasLtMatrixLayoutCreate");
}

cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout) {
    return destroy(matLayout, Kind::layout, "cublasLtMatrixLayoutDestroy");
}

cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr,
                                                const void* buf, size_t sizeInBytes) {
    const char* function = "cublasLtMatrixLayoutSetAttribute";
    if (!bn_sim::lt::is_live(matLayout, Kind::layout))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "not a live layout");
    bn_sim::lt::Layout& layout = matLayout->value;
    switch (attr) {
        case CUBLASLT_MATRIX_LAYOUT_TYPE: return store(&layout.type, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_ORDER: return store(&layout.order, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_ROWS: return store(&layout.rows, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_COLS: return store(&layout.cols, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_LD: return store(&layout.ld, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT: return store(&layout.batch, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET: return store(&layout.stride, buf, sizeInBytes, function);
        case CUBLASLT_MATRIX_LAYOUT_PLANE_OFFSET: return store(&layout.plane_offset, buf, sizeInBytes, function);
    }
    return unknown(function, attr);
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t* matmulDesc, cublasComputeType_t computeType,
                                        cudaDataType_t scaleType) {
    bn_sim::lt::MatmulDesc desc;
    desc.compute = computeType;
    desc.scale = scaleType;
    return create(matmulDesc, Kind::matmul_desc, desc, "cublasLtMatmulDescCreate");
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc) {
    return destroy(matmulDesc, Kind::matmul_desc, "cublasLtMatmulDescDestroy");
}

cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
                                              const void* buf, size_t sizeInBytes) {
    const char* function = "cublasLtMatmulDescSetAttribute";
    if (!bn_sim::lt::is_live(matmulDesc, Kind::matmul_desc))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "not a live matmul descriptor");
    bn_sim::lt::MatmulDesc& desc = matmulDesc->value;
    switch (attr) {
        case CUBLASLT_MATMUL_DESC_COMPUTE_TYPE: return store(&desc.compute, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_SCALE_TYPE: return store(&desc.scale, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_POINTER_MODE: return store(&desc.pointer_mode, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_TRANSA: return store(&desc.trans_a, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_TRANSB: return store(&desc.trans_b, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_TRANSC: return store(&desc.trans_c, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_FILL_MODE: return store(&desc.fill, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_EPILOGUE: return store(&desc.epilogue, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_BIAS_POINTER: return store(&desc.bias, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE: return store(&desc.bias_stride, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE: return store(&desc.bias_type, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER:
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD:
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_BATCH_STRIDE:
        case CUBLASLT_MATMUL_DESC_ALPHA_VECTOR_BATCH_STRIDE:
        case CUBLASLT_MATMUL_DESC_SM_COUNT_TARGET:
        case CUBLASLT_MATMUL_DESC_A_SCALE_POINTER:
        case CUBLASLT_MATMUL_DESC_B_SCALE_POINTER:
        case CUBLASLT_MATMUL_DESC_C_SCALE_POINTER:
        case CUBLASLT_MATMUL_DESC_D_SCALE_POINTER:
        case CUBLASLT_MATMUL_DESC_AMAX_D_POINTER:
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_DATA_TYPE:
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_SCALE_POINTER:
        case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_AMAX_POINTER:
        case CUBLASLT_MATMUL_DESC_FAST_ACCUM:
            return not_implemented(function, attr);
    }
    return unknown(function, attr);
}

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t* pref) {
    return create(pref, Kind::preference, bn_sim::lt::Preference{}, "cublasLtMatmulPreferenceCreate");
}

cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t pref) {
    return destroy(pref, Kind::preference, "cublasLtMatmulPreferenceDestroy");
}

cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t pref,
                                                    cublasLtMatmulPreferenceAttributes_t attr, const void* buf,
                                                    size_t sizeInBytes) {
    const char* function = "cublasLtMatmulPreferenceSetAttribute";
    if (!bn_sim::lt::is_live(pref, Kind::preference))
        return fail(CUBLAS_STATUS_INVALID_VALUE, function, "not a live preference");
    bn_sim::lt::Preference& preference = pref->value;
    switch (attr) {
        case CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES:
            return store(&preference.max_workspace, buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES: return store(&preference.alignment[0], buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES: return store(&preference.alignment[1], buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES: return store(&preference.alignment[2], buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES: return store(&preference.alignment[3], buf, sizeInBytes, function);
        case CUBLASLT_MATMUL_PREF_SEARCH_MODE:
        case CUBLASLT_MATMUL_PREF_MATH_MODE_MASK:
        case CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK:
        case CUBLASLT_MATMUL_PREF_GAUSSIAN_MODE_MASK:
        case CUBLASLT_MATMUL_PREF_MAX_WAVES_COUNT:
        case CUBLASLT_MATMUL_PREF_POINTER_MODE_MASK:
        case CUBLASLT_MATMUL_PREF_EPILOGUE_MASK:
        case CUBLASLT_MATMUL_PREF_IMPL_MASK:
            return not_implemented(function, attr);
    }
    return unknown(function, attr);
}

}  // extern "C"
