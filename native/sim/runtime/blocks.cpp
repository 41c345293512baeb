// Runs a grid: blocks one after another (BN_SIM_BLOCK_ORDER=fifo, or random:SEED), each block's
// threads as fibers (Boost.Context) run round-robin until each has finished or waits at a sync
// point, then the sync points are resolved:
//   - __shfl_xor_sync completes when every lane in its mask (within one warp of 32) waits at a
//     shuffle with that mask; a calling lane outside the mask, or an exited lane in it, is an error;
//   - __syncthreads completes when every live thread waits at it, at the same call site; live
//     threads at different barriers are divergence, threads stuck between a barrier and a
//     shuffle a deadlock.
// An error becomes a KernelFault naming file:line, kernel, block and thread. Fiber stacks come from
// a pool and are reused, so a thread that never syncs runs to its end on a recycled stack.
#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define BN_SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BN_SIM_ASAN 1
#endif
#endif
#ifdef BN_SIM_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace bn_sim {
namespace {

namespace ctx = boost::context;

// ---- Fiber stacks: mmap'd with an inaccessible lowest page, pooled ----
#ifdef BN_SIM_ASAN
constexpr size_t kStackBytes = 512 * 1024;
#else
constexpr size_t kStackBytes = 128 * 1024;
#endif

struct StackPool {
    std::vector<ctx::stack_context> free;
    ~StackPool() {
        for (auto& s : free) munmap(static_cast<char*>(s.sp) - s.size - page(), s.size + page());
    }
    static size_t page() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }
};
StackPool& pool() {
    static StackPool p;
    return p;
}

// The stack PooledStack handed out last (the fiber constructor allocates it), for the ASan notes.
thread_local ctx::stack_context last_stack;

struct PooledStack {
    ctx::stack_context allocate() {
        last_stack = take();
        return last_stack;
    }
    ctx::stack_context take() {
        auto& p = pool();
        if (!p.free.empty()) {
            ctx::stack_context s = p.free.back();
            p.free.pop_back();
#ifdef BN_SIM_ASAN
            // A fiber unwound or abandoned mid-frame leaves its frames' poison behind.
            ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(s.sp) - s.size, s.size);
#endif
            return s;
        }
        size_t page = StackPool::page();
        void* mapped = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (mapped == MAP_FAILED) throw std::bad_alloc();
        mprotect(mapped, page, PROT_NONE);  // a fiber overflowing its stack faults instead of corrupting
        ctx::stack_context s;
        s.size = kStackBytes;
        s.sp = static_cast<char*>(mapped) + page + kStackBytes;
        return s;
    }
    void deallocate(ctx::stack_context& s) noexcept { pool().free.push_back(s); }
};

// ASan must be told of every stack switch, else it takes a fiber's stack for a corrupted one.
#ifdef BN_SIM_ASAN
void switch_start(void** fake_stack, const void* bottom, size_t size) { __sanitizer_start_switch_fiber(fake_stack, bottom, size); }
void switch_finish(void* fake_stack, const void** bottom, size_t* size) { __sanitizer_finish_switch_fiber(fake_stack, bottom, size); }
#else
void switch_start(void**, const void*, size_t) {}
void switch_finish(void*, const void**, size_t*) {}
#endif

// Thrown inside a waiting thread when its block has faulted: unwinds the kernel's frames on its own stack.
struct Abort {};

enum class State { Runnable, AtBarrier, AtShuffle, Done };

struct Thread {
    uint3 index{};
    int linear = 0;
    State state = State::Runnable;
    bool started = false;
    const char* file = nullptr;  // of the sync point it waits at
    int line = 0;
    unsigned mask = 0;
    int lane_mask = 0, width = 32;
    uint64_t bits = 0;  // shuffle: the value passed, then the value received
    ctx::fiber fiber;
    ctx::fiber scheduler;  // inside the fiber: where to return to
    ctx::stack_context stack;
};

struct Block {
    const LaunchInfo* launch = nullptr;
    const std::function<void()>* body = nullptr;
    uint3 index{};
    std::vector<Thread> threads;
    Thread* current = nullptr;
    bool faulted = false;
    bool aborting = false;  // faulted: the waiting threads are resumed only to unwind
    const void* scheduler_bottom = nullptr;  // the scheduler's stack, for the ASan notes
    size_t scheduler_size = 0;
    cudaError_t error = cudaSuccess;
    std::string message;
};

thread_local Block* active = nullptr;

std::string dims(uint3 v) {
    return "(" + std::to_string(v.x) + "," + std::to_string(v.y) + "," + std::to_string(v.z) + ")";
}

std::string where(const Block& b, const Thread& t) {
    return "kernel " + std::string(b.launch->kernel) + " (launched at " + b.launch->file + ":" +
           std::to_string(b.launch->line) + "), block " + dims(b.index) + ", thread " + dims(t.index);
}

std::string site(const Thread& t) { return std::string(t.file) + ":" + std::to_string(t.line); }

// Inside a fiber: give control back to the block's scheduler.
void yield(Thread& t) {
    Block& b = *active;
    void* fake_stack = nullptr;
    switch_start(&fake_stack, b.scheduler_bottom, b.scheduler_size);
    t.scheduler = std::move(t.scheduler).resume();
    switch_finish(fake_stack, &b.scheduler_bottom, &b.scheduler_size);
    if (b.aborting) throw Abort{};
}

// Inside a fiber: record an error for the scheduler and never come back (it unwinds the fiber).
[[noreturn]] void thread_error(Thread& t, cudaError_t error, const std::string& what) {
    Block& b = *active;
    if (!b.faulted) {
        b.faulted = true;
        b.error = error;
        b.message = what + " in " + where(b, t);
    }
    for (;;) yield(t);
}

void start(Block& b, Thread& t) {
    t.started = true;
    t.fiber = ctx::fiber(std::allocator_arg, PooledStack(), [&b, &t](ctx::fiber&& scheduler) {
        switch_finish(nullptr, &b.scheduler_bottom, &b.scheduler_size);
        t.scheduler = std::move(scheduler);
        try {
            (*b.body)();
        } catch (const Abort&) {
        }
        t.state = State::Done;
        switch_start(nullptr, b.scheduler_bottom, b.scheduler_size);  // this fiber's stack is done with
        return std::move(t.scheduler);
    });
    t.stack = last_stack;
}

void resume(Block& b, Thread& t) {
    if (!t.started) start(b, t);
    b.current = &t;
    const void* address = nullptr;
    void* fake_stack = nullptr;
    switch_start(&fake_stack, static_cast<char*>(t.stack.sp) - t.stack.size, t.stack.size);
    bool clean = run_catching_segv([&t] { t.fiber = std::move(t.fiber).resume(); }, &address);
    if (!clean) switch_start(nullptr, b.scheduler_bottom, b.scheduler_size);  // the switch the abandoned fiber never made
    switch_finish(fake_stack, nullptr, nullptr);
    b.current = nullptr;
    if (!clean) {
        // The faulting fiber is abandoned where it stopped: its stack is leaked, not reused, and its
        // handle on the scheduler (stale now) must never be destroyed, which would resume it.
        new ctx::fiber(std::move(t.scheduler));
        t.state = State::Done;
        if (!b.faulted) {
            b.faulted = true;
            b.error = cudaErrorIllegalAddress;
            b.message = "invalid memory access (" + describe_address(address) + ") in " + where(b, t);
        }
    }
}

// Completes the shuffles whose lanes are all there; false when none could complete. Reports a
// shuffle naming an exited lane.
bool resolve_shuffles(Block& b) {
    bool progress = false;
    int count = static_cast<int>(b.threads.size());
    for (int first = 0; first < count; first += 32) {
        int lanes = std::min(32, count - first);
        for (int lane = 0; lane < lanes; lane++) {
            Thread& t = b.threads[static_cast<size_t>(first + lane)];
            if (t.state != State::AtShuffle) continue;
            bool complete = true;
            for (int other = 0; other < 32; other++) {
                if (!(t.mask >> other & 1u)) continue;
                if (other >= lanes || b.threads[static_cast<size_t>(first + other)].state == State::Done) {
                    b.faulted = true;
                    b.error = cudaErrorLaunchFailure;
                    b.message = "__shfl_xor_sync at " + site(t) + " with mask 0x" + [&] {
                        char hex[16];
                        std::snprintf(hex, sizeof hex, "%08x", t.mask);
                        return std::string(hex);
                    }() + " names lane " + std::to_string(other) + ", which has exited, in " + where(b, t);
                    return false;
                }
                const Thread& o = b.threads[static_cast<size_t>(first + other)];
                if (o.state != State::AtShuffle || o.mask != t.mask) complete = false;
            }
            if (!complete) continue;
            std::vector<uint64_t> passed(32);
            for (int other = 0; other < lanes; other++) passed[static_cast<size_t>(other)] = b.threads[static_cast<size_t>(first + other)].bits;
            for (int other = 0; other < 32; other++) {
                if (!(t.mask >> other & 1u)) continue;
                Thread& o = b.threads[static_cast<size_t>(first + other)];
                // Within segments of `width` lanes; a source outside the mask or segment returns the lane's own value.
                int base = other / o.width * o.width, source = base + ((other - base) ^ o.lane_mask);
                if (source < base + o.width && source < lanes && (t.mask >> source & 1u)) o.bits = passed[static_cast<size_t>(source)];
                o.state = State::Runnable;
            }
            progress = true;
        }
    }
    return progress;
}

// Every live thread waits somewhere: release a barrier, or report divergence or deadlock.
void resolve_barrier(Block& b) {
    const Thread* at_barrier = nullptr;
    const Thread* at_shuffle = nullptr;
    for (const Thread& t : b.threads) {
        if (t.state == State::AtBarrier && !at_barrier) at_barrier = &t;
        if (t.state == State::AtShuffle && !at_shuffle) at_shuffle = &t;
    }
    if (at_shuffle) {
        b.faulted = true;
        b.error = cudaErrorLaunchFailure;
        b.message = "deadlock: thread " + dims(at_shuffle->index) + " waits at __shfl_xor_sync " + site(*at_shuffle) +
                    " for lanes that never arrive" +
                    (at_barrier ? " (thread " + dims(at_barrier->index) + " waits at __syncthreads " + site(*at_barrier) + ")" : "") +
                    " in " + where(b, *at_shuffle);
        return;
    }
    if (!at_barrier) return;
    for (const Thread& t : b.threads) {
        if (t.state == State::AtBarrier && (t.file != at_barrier->file || t.line != at_barrier->line)) {
            b.faulted = true;
            b.error = cudaErrorLaunchFailure;
            b.message = "barrier divergence: thread " + dims(at_barrier->index) + " waits at __syncthreads " + site(*at_barrier) +
                        " and thread " + dims(t.index) + " at __syncthreads " + site(t) + " in " + where(b, t);
            return;
        }
    }
    for (Thread& t : b.threads)
        if (t.state == State::AtBarrier) t.state = State::Runnable;
}

void run_block(Block& b) {
    for (;;) {
        bool any_live = false;
        for (Thread& t : b.threads) {
            if (t.state == State::Runnable) resume(b, t);
            if (b.faulted) return;
            any_live |= t.state != State::Done;
        }
        if (!any_live) return;
        if (resolve_shuffles(b)) continue;
        if (b.faulted) return;
        resolve_barrier(b);
        if (b.faulted) return;
    }
}

}  // namespace

const uint3& thread_index() { return active->current->index; }
const uint3& block_index() { return active->index; }
const dim3& block_dim() { return active->launch->block; }
const dim3& grid_dim() { return active->launch->grid; }

void syncthreads(const char* file, int line) {
    Thread& t = *active->current;
    t.file = file;
    t.line = line;
    t.state = State::AtBarrier;
    yield(t);
}

uint64_t shuffle_xor(unsigned mask, uint64_t bits, int lane_mask, int width, const char* file, int line) {
    Thread& t = *active->current;
    t.file = file;
    t.line = line;
    int lane = t.linear % 32;
    if (!(mask >> lane & 1u)) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%08x", mask);
        thread_error(t, cudaErrorLaunchFailure, "__shfl_xor_sync at " + site(t) + " called by lane " + std::to_string(lane) +
                                                    ", outside its mask 0x" + hex);
    }
    if (width <= 0 || width > 32 || (width & (width - 1)) != 0)
        thread_error(t, cudaErrorLaunchFailure, "__shfl_xor_sync at " + site(t) + " with width " + std::to_string(width));
    t.mask = mask;
    t.bits = bits;
    t.lane_mask = lane_mask;
    t.width = width;
    t.state = State::AtShuffle;
    yield(t);
    return t.bits;
}

void run_grid(const LaunchInfo& launch, const std::function<void()>& body) {
    uint64_t blocks = static_cast<uint64_t>(launch.grid.x) * launch.grid.y * launch.grid.z;
    std::vector<uint64_t> order;
    if (config().random_blocks) {
        static std::mt19937_64 random(config().block_seed);
        order.resize(blocks);
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), random);
    }
    unsigned bx = launch.block.x, by = launch.block.y, bz = launch.block.z;
    size_t threads = static_cast<size_t>(bx) * by * bz;
    Block* outer = active;
    for (uint64_t i = 0; i < blocks; i++) {
        uint64_t n = order.empty() ? i : order[i];
        Block b;
        b.launch = &launch;
        b.body = &body;
        b.index = uint3{static_cast<unsigned>(n % launch.grid.x), static_cast<unsigned>(n / launch.grid.x % launch.grid.y),
                        static_cast<unsigned>(n / launch.grid.x / launch.grid.y)};
        b.threads.resize(threads);
        for (size_t k = 0; k < threads; k++) {
            Thread& t = b.threads[k];
            t.linear = static_cast<int>(k);
            t.index = uint3{static_cast<unsigned>(k % bx), static_cast<unsigned>(k / bx % by), static_cast<unsigned>(k / bx / by)};
        }
        active = &b;
        run_block(b);
        if (b.faulted) {
            // Unwind the threads still waiting: each throws Abort at its sync point and ends.
            b.aborting = true;
            for (Thread& t : b.threads)
                if (t.state != State::Done && t.fiber) resume(b, t);
            active = outer;
            throw KernelFault{b.error, b.message};
        }
        active = outer;
    }
}

void launch(const char* kernel, const char* file, int line, dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream,
            std::function<void()> thread_body) {
    Lock lock(state_lock());
    int index = current_device();
    if (unusable(index)) return;
    auto s = resolve_stream(stream);
    if (!s || s->device != index) {
        fail(cudaErrorInvalidResourceHandle);
        return;
    }
    uint64_t threads = static_cast<uint64_t>(block.x) * block.y * block.z;
    bool bad = grid.x == 0 || grid.y == 0 || grid.z == 0 || block.x == 0 || block.y == 0 || block.z == 0 || threads > 1024 ||
               block.x > 1024 || block.y > 1024 || block.z > 64 || grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u ||
               shared_bytes > 48 * 1024;
    if (bad) {
        fail(cudaErrorInvalidConfiguration);
        return;
    }
    LaunchInfo info{kernel, file, line, grid, block, index};
    push(s, kernel, [info, body = std::move(thread_body)] { run_grid(info, body); });
}

}  // namespace bn_sim
