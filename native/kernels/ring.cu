// The device side of the hand-written ring (src/Interop/Cuda/CudaRing.cs): one bn_ring_rank per
// replica holds a communication stream, three events and two staging buffers, and the three steps
// of the ring transport (send, receive, complete a send) queue their work on that stream.
//
// Ordering, without the host ever waiting for the GPU:
//   - each step first makes the communication stream wait for everything already queued on the
//     rank's compute stream (event `mark`), so a collective sees the ops queued before it;
//   - a receive ends by making the compute stream wait for the communication stream (event
//     `taken`), so ops queued after the collective see its result;
//   - a deferred collective (gradient buckets reduced while backward goes on) passes flags 0 to
//     its steps instead: bn_ring_follow_compute orders it once after the compute work queued
//     before it, and the compute stream waits for it only at bn_ring_join_compute (before the
//     optimizer step), so later backward kernels run while it communicates;
//   - the sender's `ready` event orders the receiver's copy after the window is written; the
//     receiver's `taken` event orders the sender's later writes after the copy has read it.
// The host pairs the steps (CudaRing.cs): a receive is queued only after the matching send was
// queued, and a send's window is reused only after the receive was queued, so every event wait
// below refers to the record it means (cudaStreamWaitEvent takes the event's latest record).
//
// The add is one float add per element, destination + received, exactly the cpu ring's add, so
// the GPU ring's sums are bit-identical to the cpu ring's.
#include "common.cuh"

struct bn_ring_rank {
    int device = 0;
    cudaStream_t comm = nullptr;
    cudaEvent_t mark = nullptr;   // recorded on the compute stream: "everything queued so far"
    cudaEvent_t ready = nullptr;  // recorded on comm once this rank's send window can be read
    cudaEvent_t taken = nullptr;  // recorded on comm once this rank has consumed a received window
    cudaEvent_t joined = nullptr; // recorded on comm by bn_ring_join_compute
    float* staging = nullptr;     // device: a received window before it is added
    int64_t staging_count = 0;
    float* host = nullptr;        // pinned, portable: this rank's send window for a host-staged receiver
    int64_t host_count = 0;
};

namespace bn {
namespace {

// Makes `device` current for one call and restores the caller's device afterwards.
class DeviceScope {
public:
    explicit DeviceScope(int device) {
        BN_CUDA(cudaGetDevice(&previous_));
        if (device != previous_) BN_CUDA(cudaSetDevice(device));
    }
    ~DeviceScope() { cudaSetDevice(previous_); }  // a destructor cannot report; the device stays usable
    DeviceScope(const DeviceScope&) = delete;
    DeviceScope& operator=(const DeviceScope&) = delete;

private:
    int previous_ = 0;
};

__global__ void ring_add_kernel(float* destination, const float* received, int64_t n) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        destination[i] = destination[i] + received[i];
}

// `after` waits for everything queued on `before` so far.
void order(cudaEvent_t event, cudaStream_t before, cudaStream_t after) {
    BN_CUDA(cudaEventRecord(event, before));
    BN_CUDA(cudaStreamWaitEvent(after, event, 0));
}

// Grows the device staging. The old block may still be read by an add queued on comm: wait for
// comm first (only the first receives of a run grow it; then the host never waits here).
float* staging(bn_ring_rank* rank, int64_t count) {
    if (rank->staging_count >= count) return rank->staging;
    BN_CUDA(cudaStreamSynchronize(rank->comm));
    BN_CUDA(cudaFree(rank->staging));
    rank->staging = nullptr;
    rank->staging_count = 0;
    BN_CUDA(cudaMalloc(&rank->staging, static_cast<size_t>(count) * sizeof(float)));
    rank->staging_count = count;
    return rank->staging;
}

// Grows the pinned send staging. The receiver's last copy out of the old block is ordered before
// this rank's comm stream (bn_ring_complete_send), so waiting for comm makes it safe to free.
float* host_staging(bn_ring_rank* rank, int64_t count) {
    if (rank->host_count >= count) return rank->host;
    BN_CUDA(cudaStreamSynchronize(rank->comm));
    BN_CUDA(cudaFreeHost(rank->host));
    rank->host = nullptr;
    rank->host_count = 0;
    BN_CUDA(cudaHostAlloc(reinterpret_cast<void**>(&rank->host), static_cast<size_t>(count) * sizeof(float),
                          cudaHostAllocPortable));
    rank->host_count = count;
    return rank->host;
}

void destroy(bn_ring_rank* rank) {
    if (rank->comm) cudaStreamSynchronize(rank->comm);
    if (rank->mark) cudaEventDestroy(rank->mark);
    if (rank->ready) cudaEventDestroy(rank->ready);
    if (rank->taken) cudaEventDestroy(rank->taken);
    if (rank->joined) cudaEventDestroy(rank->joined);
    if (rank->comm) cudaStreamDestroy(rank->comm);
    cudaFree(rank->staging);
    cudaFreeHost(rank->host);
    delete rank;
}

}  // namespace
}  // namespace bn

using bn::guard;
using bn::require;

extern "C" {

int bn_ring_rank_create(int device, bn_ring_rank** rank) {
    return guard("bn_ring_rank_create", [&] {
        require(rank, "rank");
        *rank = nullptr;
        bn::DeviceScope scope(device);
        auto* created = new bn_ring_rank();
        created->device = device;
        try {
            BN_CUDA(cudaStreamCreateWithFlags(&created->comm, cudaStreamNonBlocking));
            BN_CUDA(cudaEventCreateWithFlags(&created->mark, cudaEventDisableTiming));
            BN_CUDA(cudaEventCreateWithFlags(&created->ready, cudaEventDisableTiming));
            BN_CUDA(cudaEventCreateWithFlags(&created->taken, cudaEventDisableTiming));
            BN_CUDA(cudaEventCreateWithFlags(&created->joined, cudaEventDisableTiming));
        } catch (...) {
            bn::destroy(created);
            throw;
        }
        *rank = created;
    });
}

int bn_ring_rank_destroy(bn_ring_rank* rank) {
    return guard("bn_ring_rank_destroy", [&] {
        if (!rank) return;
        bn::DeviceScope scope(rank->device);
        bn::destroy(rank);
    });
}

int bn_ring_enable_peer_access(int device, int peer, int* enabled) {
    return guard("bn_ring_enable_peer_access", [&] {
        require(enabled, "enabled");
        *enabled = 0;
        if (device == peer) return;  // a GPU is not its own peer: same-device copies need no access
        int can = 0;
        BN_CUDA(cudaDeviceCanAccessPeer(&can, device, peer));
        if (!can) return;
        bn::DeviceScope scope(device);
        cudaError_t result = cudaDeviceEnablePeerAccess(peer, 0);
        if (result == cudaErrorPeerAccessAlreadyEnabled) cudaGetLastError();  // enabled earlier: fine
        else BN_CUDA(result);
        *enabled = 1;
    });
}

int bn_ring_send(bn_ring_rank* rank, void* compute_stream, const float* window, int64_t count, int stage_to_host, int flags) {
    return guard("bn_ring_send", [&] {
        require(rank && (window || count == 0) && count >= 0, "ring send arguments");
        bn::DeviceScope scope(rank->device);
        float* host = stage_to_host && count > 0 ? bn::host_staging(rank, count) : nullptr;  // grown before new waits
        if (flags & BN_RING_AFTER_COMPUTE) bn::order(rank->mark, bn::as_stream(compute_stream), rank->comm);
        if (host)
            BN_CUDA(cudaMemcpyAsync(host, window, static_cast<size_t>(count) * sizeof(float), cudaMemcpyDeviceToHost,
                                    rank->comm));
        BN_CUDA(cudaEventRecord(rank->ready, rank->comm));
    });
}

int bn_ring_receive(bn_ring_rank* rank, void* compute_stream, const bn_ring_rank* sender, const float* window,
                    float* destination, int64_t count, int add, int path, int flags) {
    return bn::guard_op("bn_ring_receive", [&] {
        require(rank && sender && count >= 0 && (count == 0 || destination), "ring receive arguments");
        require(path == BN_RING_SAME_DEVICE || path == BN_RING_PEER || path == BN_RING_HOST, "ring path");
        require(count == 0 || path == BN_RING_HOST || window, "ring receive window");
        require(count == 0 || path != BN_RING_HOST || sender->host_count >= count, "host-staged window (the sender did not stage it)");
        bn::DeviceScope scope(rank->device);
        float* target = add && count > 0 ? bn::staging(rank, count) : destination;  // grown before new waits
        cudaStream_t compute = bn::as_stream(compute_stream);
        if (flags & BN_RING_AFTER_COMPUTE) bn::order(rank->mark, compute, rank->comm);
        BN_CUDA(cudaStreamWaitEvent(rank->comm, sender->ready, 0));
        if (count > 0) {
            size_t bytes = static_cast<size_t>(count) * sizeof(float);
            if (path == BN_RING_SAME_DEVICE)
                BN_CUDA(cudaMemcpyAsync(target, window, bytes, cudaMemcpyDeviceToDevice, rank->comm));
            else if (path == BN_RING_PEER)
                BN_CUDA(cudaMemcpyPeerAsync(target, rank->device, window, sender->device, bytes, rank->comm));
            else
                BN_CUDA(cudaMemcpyAsync(target, sender->host, bytes, cudaMemcpyHostToDevice, rank->comm));
            if (add) BN_LAUNCH(bn::ring_add_kernel, bn::blocks_for(count, 256), 256, 0, rank->comm, destination, target, count);
        }
        BN_CUDA(cudaEventRecord(rank->taken, rank->comm));
        if (flags & BN_RING_BEFORE_COMPUTE) BN_CUDA(cudaStreamWaitEvent(compute, rank->taken, 0));
    });
}

int bn_ring_complete_send(bn_ring_rank* rank, void* compute_stream, const bn_ring_rank* receiver, int flags) {
    return guard("bn_ring_complete_send", [&] {
        require(rank && receiver, "ring complete-send arguments");
        bn::DeviceScope scope(rank->device);
        BN_CUDA(cudaStreamWaitEvent(rank->comm, receiver->taken, 0));
        if (flags & BN_RING_BEFORE_COMPUTE) BN_CUDA(cudaStreamWaitEvent(bn::as_stream(compute_stream), receiver->taken, 0));
    });
}

int bn_ring_follow_compute(bn_ring_rank* rank, void* compute_stream) {
    return guard("bn_ring_follow_compute", [&] {
        require(rank, "rank");
        bn::DeviceScope scope(rank->device);
        bn::order(rank->mark, bn::as_stream(compute_stream), rank->comm);
    });
}

int bn_ring_join_compute(bn_ring_rank* rank, void* compute_stream) {
    return guard("bn_ring_join_compute", [&] {
        require(rank, "rank");
        bn::DeviceScope scope(rank->device);
        bn::order(rank->joined, rank->comm, bn::as_stream(compute_stream));
    });
}

int bn_ring_query_taken(const bn_ring_rank* rank, int* done) {
    return guard("bn_ring_query_taken", [&] {
        require(rank && done, "ring query arguments");
        cudaError_t result = cudaEventQuery(rank->taken);
        *done = result == cudaSuccess;
        if (result != cudaErrorNotReady) BN_CUDA(result);
        else cudaGetLastError();
    });
}

int bn_event_query(void* event, int* done) {
    return guard("bn_event_query", [&] {
        require(event && done, "event/done");
        cudaError_t result = cudaEventQuery(static_cast<cudaEvent_t>(event));
        *done = result == cudaSuccess;
        if (result != cudaErrorNotReady) BN_CUDA(result);
        else cudaGetLastError();
    });
}

}  // extern "C"
