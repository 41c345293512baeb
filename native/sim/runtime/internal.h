// Shared state of the simulated CUDA runtime. One recursive lock guards all of it and is also the
// execution token: whichever host thread synchronizes runs the queued device work while holding it,
// so device code never runs on two OS threads at once.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bn_sim/runtime.h"

// A stream: an ordered queue the engine runs from its head. Items before index `completed` have run.
struct CUstream_st;

namespace bn_sim {

// A work item may start once each dependency's stream has completed `count` items.
struct Dependency {
    std::shared_ptr<CUstream_st> stream;
    uint64_t count;
};

struct WorkItem {
    uint64_t order = 0;  // global enqueue order, for the fifo/lifo schedules
    std::vector<Dependency> dependencies;
    std::string what;
    std::function<void()> work;  // null for a pure wait
};

}  // namespace bn_sim

struct CUstream_st {
    int device = 0;
    bool blocking = true;  // synchronizes with the legacy default stream (not cudaStreamNonBlocking)
    bool legacy = false;   // the legacy default stream of its device
    bool destroyed = false;
    uint64_t enqueued = 0, completed = 0;
    std::deque<bn_sim::WorkItem> items;
};

struct CUevent_st {
    int device = 0;
    unsigned int flags = 0;
    bool recorded = false;
    std::shared_ptr<CUstream_st> stream;  // of the latest record
    uint64_t count = 0;                   // complete once stream->completed reaches it
    uint64_t generation = 0;              // of the latest record, so an older record's time is not kept
    double time_ms = 0.0;
};

namespace bn_sim {

std::recursive_mutex& state_lock();
using Lock = std::lock_guard<std::recursive_mutex>;

enum class Order { Fifo, Lifo, Random };

struct Config {
    bool enabled = false;  // BERTNATIVE_CUDA_SIM=1; otherwise there is no device
    int devices = 2;       // BN_SIM_DEVICES
    size_t memory_bytes = 4096ull << 20;  // BN_SIM_DEVICE_MEMORY_MB, per device
    int multiprocessors = 4;              // BN_SIM_SMS
    bool guard_pages = false;             // BN_SIM_GUARD_PAGES=1
    Order schedule = Order::Fifo;         // BN_SIM_SCHEDULE=fifo|lifo|random:SEED
    uint64_t schedule_seed = 0;
    bool random_blocks = false;  // BN_SIM_BLOCK_ORDER=fifo|random:SEED
    uint64_t block_seed = 0;
};
const Config& config();

struct Device {
    size_t used = 0;
    cudaError_t sticky = cudaSuccess;  // a kernel fault: every later call on the device fails with it
    std::string sticky_message;
    std::vector<bool> peer_enabled;
    std::shared_ptr<CUstream_st> legacy;
    std::vector<std::weak_ptr<CUstream_st>> streams;  // for the legacy stream's implicit ordering
};

// Device `index` (checked by the caller).
Device& device(int index);
bool valid_device(int index);
int& current_device();

// Sets this thread's last error (non-sticky) and returns it.
cudaError_t fail(cudaError_t error);
// The runtime's answer when no call may run: no simulation enabled, or a sticky fault on `device`.
cudaError_t unusable(int device);
// Records a kernel fault on `device`: sticky, message kept for cudaGetErrorString, printed once.
void make_sticky(int device, cudaError_t error, const std::string& message);

// Thrown inside device work (kernels, enqueued host work); the engine makes it sticky.
struct KernelFault {
    cudaError_t error;
    std::string message;
};

// ---- Engine (engine.cpp) ----
// The stream a handle names: 0 and cudaStreamLegacy/PerThread are the current device's legacy
// stream. Null when the handle is not a live stream.
std::shared_ptr<CUstream_st> resolve_stream(cudaStream_t stream);
void push(const std::shared_ptr<CUstream_st>& stream, std::string what, std::function<void()> work,
          std::vector<Dependency> dependencies = {});
// Runs device work until `done` (or nothing can run); the device's sticky error afterwards is the caller's to check.
void run_until(const std::function<bool()>& done);
void synchronize_device(int device);
void synchronize_all();
// The stream whose work the engine is running on this thread (for fault()).
CUstream_st* running_stream();

// ---- Memory (memory.cpp) ----
// Device memory checks for the copy/set functions: [pointer, pointer + bytes) inside one live
// allocation (any device).
bool is_device_range(const void* pointer, size_t bytes);
// The allocation (device or guard pages around it) an address falls in, for fault messages.
std::string describe_address(const void* address);

// ---- Blocks (blocks.cpp) ----
struct LaunchInfo {
    const char* kernel;
    const char* file;
    int line;
    dim3 grid, block;
    int device;
};
// Runs every block of a grid; throws KernelFault on a fault.
void run_grid(const LaunchInfo& launch, const std::function<void()>& body);

// ---- Guard pages (guard.cpp) ----
// Installs the SIGSEGV handler (guard-page mode) once; runs `resume` so that a SIGSEGV inside it
// returns false with the fault address instead of crashing.
bool run_catching_segv(const std::function<void()>& resume, const void** fault_address);

double now_ms();

}  // namespace bn_sim
