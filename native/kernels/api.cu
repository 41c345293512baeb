// The non-op part of the C ABI: last error, version, device queries, streams, events,
// device memory and the context (cuBLASLt handle, workspace, scratch).
#include <cstdlib>
#include <cstring>

#include "context.cuh"

namespace bn {

thread_local std::string last_error;

void set_last_error(const std::string& message) { last_error = message; }

bool sync_after_ops() {
    static const bool on = [] {
        const char* value = std::getenv("BERTNATIVE_CUDA_SYNC");
        return value && value[0] == '1';
    }();
    return on;
}

void* scratch(bn_context* context, size_t bytes) {
    if (context->scratch_bytes >= bytes) return context->scratch;
    if (context->scratch) BN_CUDA(cudaFree(context->scratch));
    context->scratch = nullptr;
    context->scratch_bytes = 0;
    cudaError_t allocated = cudaMalloc(&context->scratch, bytes);
    if (allocated == cudaErrorMemoryAllocation) {
        context->scratch = nullptr;
        throw Error(BN_ERR_OUT_OF_MEMORY, "growing the op scratch to " + std::to_string(bytes) + " bytes: " +
                                              cudaGetErrorString(allocated));
    }
    BN_CUDA(allocated);
    context->scratch_bytes = bytes;
    return context->scratch;
}

}  // namespace bn

using bn::guard;
using bn::require;

extern "C" {

const char* bn_last_error(void) { return bn::last_error.c_str(); }

int bn_version(int* version) {
    return guard("bn_version", [&] { require(version, "version"); *version = BN_VERSION; });
}

int bn_device_count(int* count) {
    return guard("bn_device_count", [&] { require(count, "count"); BN_CUDA(cudaGetDeviceCount(count)); });
}

int bn_set_device(int device) {
    return guard("bn_set_device", [&] { bn::set_device_keeping_context(device); });
}

int bn_device_name(int device, char* name, int capacity) {
    return guard("bn_device_name", [&] {
        require(name && capacity > 0, "name buffer");
        cudaDeviceProp props;
        BN_CUDA(cudaGetDeviceProperties(&props, device));
        std::strncpy(name, props.name, static_cast<size_t>(capacity) - 1);
        name[capacity - 1] = '\0';
    });
}

int bn_device_compute_capability(int device, int* major, int* minor) {
    return guard("bn_device_compute_capability", [&] {
        require(major && minor, "major/minor");
        BN_CUDA(cudaDeviceGetAttribute(major, cudaDevAttrComputeCapabilityMajor, device));
        BN_CUDA(cudaDeviceGetAttribute(minor, cudaDevAttrComputeCapabilityMinor, device));
    });
}

int bn_driver_version(int* version) {
    return guard("bn_driver_version", [&] { require(version, "version"); BN_CUDA(cudaDriverGetVersion(version)); });
}

int bn_runtime_version(int* version) {
    return guard("bn_runtime_version", [&] { require(version, "version"); BN_CUDA(cudaRuntimeGetVersion(version)); });
}

int bn_cublaslt_version(int64_t* version) {
    return guard("bn_cublaslt_version", [&] {
        require(version, "version");
        *version = static_cast<int64_t>(cublasLtGetVersion());
    });
}

int bn_mem_info(int64_t* free_bytes, int64_t* total_bytes) {
    return guard("bn_mem_info", [&] {
        require(free_bytes && total_bytes, "free/total");
        size_t free_ = 0, total = 0;
        BN_CUDA(cudaMemGetInfo(&free_, &total));
        *free_bytes = static_cast<int64_t>(free_);
        *total_bytes = static_cast<int64_t>(total);
    });
}

int bn_stream_create(void** stream) {
    return guard("bn_stream_create", [&] {
        require(stream, "stream");
        cudaStream_t created = nullptr;
        BN_CUDA(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
        *stream = created;
    });
}

int bn_stream_destroy(void* stream) {
    return guard("bn_stream_destroy", [&] { BN_CUDA(cudaStreamDestroy(bn::as_stream(stream))); });
}

int bn_stream_synchronize(void* stream) {
    return guard("bn_stream_synchronize", [&] { BN_CUDA(cudaStreamSynchronize(bn::as_stream(stream))); });
}

int bn_event_create(void** event) {
    return guard("bn_event_create", [&] {
        require(event, "event");
        cudaEvent_t created = nullptr;
        BN_CUDA(cudaEventCreate(&created));
        *event = created;
    });
}

int bn_event_destroy(void* event) {
    return guard("bn_event_destroy", [&] { BN_CUDA(cudaEventDestroy(static_cast<cudaEvent_t>(event))); });
}

int bn_event_record(void* event, void* stream) {
    return guard("bn_event_record", [&] {
        BN_CUDA(cudaEventRecord(static_cast<cudaEvent_t>(event), bn::as_stream(stream)));
    });
}

int bn_event_synchronize(void* event) {
    return guard("bn_event_synchronize", [&] { BN_CUDA(cudaEventSynchronize(static_cast<cudaEvent_t>(event))); });
}

int bn_event_elapsed_ms(void* start, void* end, float* ms) {
    return guard("bn_event_elapsed_ms", [&] {
        require(ms, "ms");
        BN_CUDA(cudaEventElapsedTime(ms, static_cast<cudaEvent_t>(start), static_cast<cudaEvent_t>(end)));
    });
}

int bn_malloc(void** pointer, int64_t bytes) {
    return guard("bn_malloc", [&] {
        require(pointer && bytes >= 0, "pointer/bytes");
        *pointer = nullptr;
        BN_CUDA(cudaMalloc(pointer, static_cast<size_t>(bytes > 0 ? bytes : 1)));
    });
}

int bn_free(void* pointer) {
    return guard("bn_free", [&] { BN_CUDA(cudaFree(pointer)); });
}

int bn_memcpy_htod(void* destination, const void* source, int64_t bytes, void* stream) {
    return guard("bn_memcpy_htod", [&] {
        require(bytes >= 0, "bytes");
        if (bytes == 0) return;
        BN_CUDA(cudaMemcpyAsync(destination, source, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, bn::as_stream(stream)));
    });
}

int bn_memcpy_dtoh(void* destination, const void* source, int64_t bytes, void* stream) {
    return guard("bn_memcpy_dtoh", [&] {
        require(bytes >= 0, "bytes");
        if (bytes == 0) return;
        BN_CUDA(cudaMemcpyAsync(destination, source, static_cast<size_t>(bytes), cudaMemcpyDeviceToHost, bn::as_stream(stream)));
        BN_CUDA(cudaStreamSynchronize(bn::as_stream(stream)));  // the host buffer is only valid during the call
    });
}

int bn_memcpy_dtod(void* destination, const void* source, int64_t bytes, void* stream) {
    return guard("bn_memcpy_dtod", [&] {
        require(bytes >= 0, "bytes");
        if (bytes == 0) return;
        BN_CUDA(cudaMemcpyAsync(destination, source, static_cast<size_t>(bytes), cudaMemcpyDeviceToDevice, bn::as_stream(stream)));
    });
}

int bn_memset_zero(void* destination, int64_t bytes, void* stream) {
    return guard("bn_memset_zero", [&] {
        require(bytes >= 0, "bytes");
        if (bytes == 0) return;
        BN_CUDA(cudaMemsetAsync(destination, 0, static_cast<size_t>(bytes), bn::as_stream(stream)));
    });
}

int bn_context_create(bn_context** context, int precision) {
    return guard("bn_context_create", [&] {
        require(context, "context");
        require(precision == BN_PRECISION_FP32 || precision == BN_PRECISION_TF32, "precision (BN_PRECISION_FP32 or _TF32)");
        *context = nullptr;
        auto* created = new bn_context();
        created->compute = precision == BN_PRECISION_TF32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
        try {
            BN_CUBLAS(cublasLtCreate(&created->lt));
            int device = 0;
            BN_CUDA(cudaGetDevice(&device));
            BN_CUDA(cudaDeviceGetAttribute(&created->multiprocessors, cudaDevAttrMultiProcessorCount, device));
            created->workspace_bytes = 32u << 20;  // what llm.c gives cuBLASLt on Hopper
            BN_CUDA(cudaMalloc(&created->workspace, created->workspace_bytes));
        } catch (...) {
            if (created->lt) cublasLtDestroy(created->lt);
            delete created;
            throw;
        }
        *context = created;
    });
}

int bn_context_destroy(bn_context* context) {
    return guard("bn_context_destroy", [&] {
        if (!context) return;
        bn::release_plans(context);
        cudaError_t workspace = cudaFree(context->workspace);
        cudaError_t scratch = cudaFree(context->scratch);
        cublasStatus_t lt = cublasLtDestroy(context->lt);
        delete context;
        BN_CUDA(workspace);
        BN_CUDA(scratch);
        BN_CUBLAS(lt);
    });
}

}  // extern "C"
