// Device and pinned host memory. Device allocations count against the device's budget and are
// filled with 0xFF bytes (NaN as float), so an output a kernel forgot to write fails its test.
// With BN_SIM_GUARD_PAGES=1 every allocation gets its own mapping between inaccessible pages, its
// end against the trailing one, so an access past the end faults inside the kernel (guard.cpp).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "internal.h"

namespace bn_sim {
namespace {

struct Block {
    size_t bytes;
    int device;
    char* mapping;  // guard-page mode: the whole mapping, guard pages included; else null
    size_t mapping_bytes;
};

std::map<uintptr_t, Block>& allocations() {
    static std::map<uintptr_t, Block> all;
    return all;
}

std::map<uintptr_t, size_t>& host_allocations() {
    static std::map<uintptr_t, size_t> all;
    return all;
}

size_t page_size() {
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page;
}

// The live allocation holding [pointer, pointer + bytes), or end().
std::map<uintptr_t, Block>::iterator holding(const void* pointer, size_t bytes) {
    auto& all = allocations();
    auto address = reinterpret_cast<uintptr_t>(pointer);
    auto it = all.upper_bound(address);
    if (it == all.begin()) return all.end();
    --it;
    if (address - it->first > it->second.bytes || bytes > it->second.bytes - (address - it->first)) return all.end();
    return it;
}

void* map_with_guards(size_t bytes, Block* block) {
    size_t page = page_size();
    size_t data = (bytes + page - 1) / page * page;
    block->mapping_bytes = data + 2 * page;
    void* mapped = mmap(nullptr, block->mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) return nullptr;
    block->mapping = static_cast<char*>(mapped);
    mprotect(block->mapping, page, PROT_NONE);
    mprotect(block->mapping + page + data, page, PROT_NONE);
    // End against the trailing guard page; 4-byte aligned (the kernels' widest common element), so
    // an access one float past the end faults.
    uintptr_t end = reinterpret_cast<uintptr_t>(block->mapping + page + data);
    return reinterpret_cast<void*>((end - bytes) & ~uintptr_t{3});
}

bool on_device(const void* pointer, size_t bytes) { return holding(pointer, bytes) != allocations().end(); }

// Checks a copy's two sides against its kind; cudaMemcpyDefault infers each side.
cudaError_t check_copy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
    if (bytes == 0) return cudaSuccess;
    if (!dst || !src) return cudaErrorInvalidValue;
    bool dst_device = false, src_device = false;
    switch (kind) {
        case cudaMemcpyHostToHost: break;
        case cudaMemcpyHostToDevice: dst_device = true; break;
        case cudaMemcpyDeviceToHost: src_device = true; break;
        case cudaMemcpyDeviceToDevice: dst_device = src_device = true; break;
        case cudaMemcpyDefault: return cudaSuccess;
        default: return cudaErrorInvalidMemcpyDirection;
    }
    if (dst_device && !on_device(dst, bytes)) return cudaErrorInvalidValue;
    if (src_device && !on_device(src, bytes)) return cudaErrorInvalidValue;
    return cudaSuccess;
}

cudaError_t queue_copy(void* dst, const void* src, size_t bytes, const std::shared_ptr<CUstream_st>& stream, const char* what) {
    if (bytes == 0) return cudaSuccess;
    push(stream, what, [dst, src, bytes] { std::memmove(dst, src, bytes); });
    return cudaSuccess;
}

bool pinned(const void* pointer, size_t bytes) {
    auto& all = host_allocations();
    auto address = reinterpret_cast<uintptr_t>(pointer);
    auto it = all.upper_bound(address);
    if (it == all.begin()) return false;
    --it;
    return address - it->first <= it->second && bytes <= it->second - (address - it->first);
}

// cudaMemcpyAsync with CUDA's host-side behaviour (its "API synchronization behavior"): from pageable
// host memory the data is staged before the call returns (the caller may reuse its buffer at once);
// into pageable host memory, and host to host, the call returns once the copy is done; only pinned
// memory (cudaHostAlloc) is copied truly asynchronously.
cudaError_t copy_async(void* dst, const void* src, size_t bytes, bool dst_device, bool src_device,
                       const std::shared_ptr<CUstream_st>& s) {
    if (bytes == 0) return cudaSuccess;
    if (!src_device && !pinned(src, bytes)) {
        auto staged = std::make_shared<std::vector<unsigned char>>(static_cast<const unsigned char*>(src),
                                                                   static_cast<const unsigned char*>(src) + bytes);
        push(s, "cudaMemcpyAsync (staged from pageable memory)", [dst, staged] { std::memmove(dst, staged->data(), staged->size()); });
    } else {
        queue_copy(dst, src, bytes, s, "cudaMemcpyAsync");
    }
    if (!dst_device && (!pinned(dst, bytes) || !src_device)) {
        uint64_t target = s->enqueued;
        run_until([&] { return s->completed >= target; });
        return unusable(s->device);
    }
    return cudaSuccess;
}

}  // namespace

bool find_allocation(const void* pointer, size_t bytes, Allocation* out) {
    Lock lock(state_lock());
    auto it = holding(pointer, bytes);
    if (it == allocations().end()) return false;
    if (out) *out = Allocation{reinterpret_cast<const void*>(it->first), it->second.bytes, it->second.device};
    return true;
}

bool is_device_range(const void* pointer, size_t bytes) {
    Lock lock(state_lock());
    return on_device(pointer, bytes);
}

std::string describe_address(const void* address) {
    auto a = reinterpret_cast<uintptr_t>(address);
    char text[256];
    for (const auto& [base, block] : allocations()) {
        uintptr_t end = base + block.bytes;
        bool near = block.mapping ? a >= reinterpret_cast<uintptr_t>(block.mapping) &&
                                        a < reinterpret_cast<uintptr_t>(block.mapping) + block.mapping_bytes
                                  : a >= base && a < end;
        if (!near) continue;
        if (a >= end)
            std::snprintf(text, sizeof text, "address %p is %zu bytes past the end of the %zu-byte allocation at %p (device %d)",
                          address, static_cast<size_t>(a - end), block.bytes, reinterpret_cast<void*>(base), block.device);
        else if (a < base)
            std::snprintf(text, sizeof text, "address %p is %zu bytes before the %zu-byte allocation at %p (device %d)", address,
                          static_cast<size_t>(base - a), block.bytes, reinterpret_cast<void*>(base), block.device);
        else
            std::snprintf(text, sizeof text, "address %p is inside the %zu-byte allocation at %p (device %d)", address,
                          block.bytes, reinterpret_cast<void*>(base), block.device);
        return text;
    }
    std::snprintf(text, sizeof text, "address %p is in no device allocation", address);
    return text;
}

}  // namespace bn_sim

using namespace bn_sim;

extern "C" {

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (!pointer) return fail(cudaErrorInvalidValue);
    *pointer = nullptr;
    if (bytes == 0) return cudaSuccess;
    Device& d = device(index);
    if (bytes > config().memory_bytes - d.used) return fail(cudaErrorMemoryAllocation);
    Block block{bytes, index, nullptr, 0};
    void* memory = config().guard_pages ? map_with_guards(bytes, &block) : std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!memory) return fail(cudaErrorMemoryAllocation);
    std::memset(memory, 0xFF, bytes);
    allocations().emplace(reinterpret_cast<uintptr_t>(memory), block);
    d.used += bytes;
    *pointer = memory;
    return cudaSuccess;
}

// Like CUDA's, waits for the device work first (so nothing queued still uses the block).
cudaError_t cudaFree(void* pointer) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!pointer) return cudaSuccess;
    auto it = allocations().find(reinterpret_cast<uintptr_t>(pointer));
    if (it == allocations().end()) return fail(cudaErrorInvalidValue);
    synchronize_all();
    it = allocations().find(reinterpret_cast<uintptr_t>(pointer));
    if (it == allocations().end()) return fail(cudaErrorInvalidValue);
    Block block = it->second;
    if (cudaError_t e = unusable(block.device)) return e;
    allocations().erase(it);
    device(block.device).used -= block.bytes;
    if (block.mapping) munmap(block.mapping, block.mapping_bytes);
    else std::free(pointer);
    return cudaSuccess;
}

cudaError_t cudaHostAlloc(void** pointer, size_t bytes, unsigned int flags) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!pointer || flags > (cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined))
        return fail(cudaErrorInvalidValue);
    void* memory = std::malloc(bytes > 0 ? bytes : 1);
    if (!memory) return fail(cudaErrorMemoryAllocation);
    std::memset(memory, 0xFF, bytes);
    host_allocations().emplace(reinterpret_cast<uintptr_t>(memory), bytes);
    *pointer = memory;
    return cudaSuccess;
}

cudaError_t cudaMallocHost(void** pointer, size_t bytes) { return cudaHostAlloc(pointer, bytes, cudaHostAllocDefault); }

cudaError_t cudaFreeHost(void* pointer) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!pointer) return cudaSuccess;
    if (!host_allocations().count(reinterpret_cast<uintptr_t>(pointer))) return fail(cudaErrorInvalidValue);
    synchronize_all();
    host_allocations().erase(reinterpret_cast<uintptr_t>(pointer));
    std::free(pointer);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (!free_bytes || !total_bytes) return fail(cudaErrorInvalidValue);
    *total_bytes = config().memory_bytes;
    *free_bytes = config().memory_bytes - device(index).used;
    return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
    Lock lock(state_lock());
    if (cudaError_t e = unusable(current_device())) return e;
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    if (cudaError_t e = unusable(s->device)) return e;
    if (cudaError_t e = check_copy(dst, src, bytes, kind)) return fail(e);
    bool dst_device = kind == cudaMemcpyDefault ? on_device(dst, bytes) : kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    bool src_device = kind == cudaMemcpyDefault ? on_device(src, bytes) : kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    return copy_async(dst, src, bytes, dst_device, src_device, s);
}

// Synchronous: queued on the legacy default stream, then waited for.
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (cudaError_t e = check_copy(dst, src, bytes, kind)) return fail(e);
    auto s = device(index).legacy;
    queue_copy(dst, src, bytes, s, "cudaMemcpy");
    uint64_t target = s->enqueued;
    run_until([&] { return s->completed >= target; });
    return unusable(index);
}

cudaError_t cudaMemcpyPeerAsync(void* dst, int dst_device, const void* src, int src_device, size_t bytes, cudaStream_t stream) {
    Lock lock(state_lock());
    if (cudaError_t e = unusable(current_device())) return e;
    if (!valid_device(dst_device) || !valid_device(src_device)) return fail(cudaErrorInvalidDevice);
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    if (bytes == 0) return cudaSuccess;
    auto d = holding(dst, bytes), from = holding(src, bytes);
    if (d == allocations().end() || from == allocations().end() || d->second.device != dst_device ||
        from->second.device != src_device)
        return fail(cudaErrorInvalidValue);
    return queue_copy(dst, src, bytes, s, "cudaMemcpyPeerAsync");
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream) {
    Lock lock(state_lock());
    if (cudaError_t e = unusable(current_device())) return e;
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    if (bytes == 0) return cudaSuccess;
    if (!on_device(dst, bytes)) return fail(cudaErrorInvalidValue);
    push(s, "cudaMemsetAsync", [dst, value, bytes] { std::memset(dst, value, bytes); });
    return cudaSuccess;
}

cudaError_t cudaMemset(void* dst, int value, size_t bytes) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = cudaMemsetAsync(dst, value, bytes, nullptr)) return e;
    auto s = device(index).legacy;
    uint64_t target = s->enqueued;
    run_until([&] { return s->completed >= target; });
    return unusable(index);
}

cudaError_t cudaMemset2DAsync(void* dst, size_t pitch, int value, size_t width, size_t height, cudaStream_t stream) {
    Lock lock(state_lock());
    if (cudaError_t e = unusable(current_device())) return e;
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    if (width == 0 || height == 0) return cudaSuccess;
    if (width > pitch || !on_device(dst, pitch * (height - 1) + width)) return fail(cudaErrorInvalidValue);
    push(s, "cudaMemset2DAsync", [dst, pitch, value, width, height] {
        for (size_t row = 0; row < height; row++) std::memset(static_cast<char*>(dst) + row * pitch, value, width);
    });
    return cudaSuccess;
}

}  // extern "C"
