// Streams and events, and the engine that runs their work. Work runs only when a host call
// synchronizes (stream, event, device, synchronous copy, cudaFree) or polls (cudaEventQuery and
// cudaStreamQuery run one step first, so host polling loops progress). Each step picks one
// runnable stream head (its dependencies met) by BN_SIM_SCHEDULE: fifo (oldest first), lifo
// (newest first) or random:SEED, so a missing cudaStreamWaitEvent shows up as a wrong result.
// Ordering follows CUDA: a stream runs in order; cudaStreamWaitEvent waits for the event's latest
// record at call time (none: no wait); the legacy default stream waits for all earlier work of
// its device's blocking streams, and they wait for its earlier work (cudaStreamNonBlocking does not).
#include <algorithm>
#include <map>
#include <random>

#include "internal.h"

namespace bn_sim {
namespace {

std::vector<std::shared_ptr<CUstream_st>>& live_streams() {  // every stream with work or a user handle
    static std::vector<std::shared_ptr<CUstream_st>> all = [] {
        std::vector<std::shared_ptr<CUstream_st>> legacy;
        for (int i = 0; i < config().devices; i++) legacy.push_back(device(i).legacy);
        return legacy;
    }();
    return all;
}

std::map<CUstream_st*, std::shared_ptr<CUstream_st>>& stream_handles() {
    static std::map<CUstream_st*, std::shared_ptr<CUstream_st>> all;
    return all;
}

std::map<CUevent_st*, std::shared_ptr<CUevent_st>>& event_handles() {
    static std::map<CUevent_st*, std::shared_ptr<CUevent_st>> all;
    return all;
}

uint64_t next_order = 0;
thread_local CUstream_st* running = nullptr;

bool met(const Dependency& d) { return d.stream->completed >= d.count; }

bool runnable(const CUstream_st& s) {
    if (s.items.empty()) return false;
    for (const Dependency& d : s.items.front().dependencies)
        if (!met(d)) return false;
    return true;
}

// Runs the head of `s`, or drops it when its device has faulted (the context is lost).
void run_head(const std::shared_ptr<CUstream_st>& s) {
    WorkItem item = std::move(s->items.front());
    s->items.pop_front();
    if (item.work && device(s->device).sticky == cudaSuccess) {
        CUstream_st* outer = running;
        running = s.get();
        try {
            item.work();
        } catch (const KernelFault& f) {
            make_sticky(s->device, f.error, f.message);
        } catch (const std::exception& e) {
            make_sticky(s->device, cudaErrorLaunchFailure, item.what + ": " + e.what());
        }
        running = outer;
    }
    s->completed++;
}

// One step: runs one runnable head; false when none can run.
bool step() {
    static std::mt19937_64 random(config().schedule_seed);
    auto& all = live_streams();
    std::vector<std::shared_ptr<CUstream_st>> ready;
    for (const auto& s : all)
        if (runnable(*s)) ready.push_back(s);
    if (ready.empty()) return false;
    std::shared_ptr<CUstream_st> chosen;
    switch (config().schedule) {
        case Order::Fifo:
            chosen = *std::min_element(ready.begin(), ready.end(),
                                       [](const auto& a, const auto& b) { return a->items.front().order < b->items.front().order; });
            break;
        case Order::Lifo:
            chosen = *std::max_element(ready.begin(), ready.end(),
                                       [](const auto& a, const auto& b) { return a->items.front().order < b->items.front().order; });
            break;
        case Order::Random: chosen = ready[random() % ready.size()]; break;
    }
    run_head(chosen);
    // Forget destroyed streams once drained (dependencies and events keep them alive as needed).
    all.erase(std::remove_if(all.begin(), all.end(), [](const auto& s) { return s->destroyed && s->items.empty(); }), all.end());
    return true;
}

bool event_done(const CUevent_st& e) { return !e.recorded || e.stream->completed >= e.count; }

std::shared_ptr<CUevent_st> resolve_event(cudaEvent_t event) {
    auto it = event_handles().find(event);
    return it == event_handles().end() ? nullptr : it->second;
}

}  // namespace

CUstream_st* running_stream() { return running; }

std::shared_ptr<CUstream_st> resolve_stream(cudaStream_t stream) {
    if (!stream || stream == cudaStreamLegacy || stream == cudaStreamPerThread) return device(current_device()).legacy;
    auto it = stream_handles().find(stream);
    return it == stream_handles().end() ? nullptr : it->second;
}

void push(const std::shared_ptr<CUstream_st>& s, std::string what, std::function<void()> work, std::vector<Dependency> dependencies) {
    Device& d = device(s->device);
    if (s->legacy) {
        for (const auto& weak : d.streams)
            if (auto other = weak.lock(); other && other->blocking && other->enqueued > other->completed)
                dependencies.push_back({other, other->enqueued});
    } else if (s->blocking && d.legacy->enqueued > d.legacy->completed) {
        dependencies.push_back({d.legacy, d.legacy->enqueued});
    }
    WorkItem item;
    item.order = next_order++;
    item.dependencies = std::move(dependencies);
    item.what = std::move(what);
    item.work = std::move(work);
    s->items.push_back(std::move(item));
    s->enqueued++;
}

void run_until(const std::function<bool()>& done) {
    while (!done())
        if (!step()) return;  // cannot happen: every wait refers to work queued before it
}

void synchronize_device(int index) {
    std::vector<std::pair<std::shared_ptr<CUstream_st>, uint64_t>> targets;
    for (const auto& s : live_streams())
        if (s->device == index) targets.emplace_back(s, s->enqueued);
    run_until([&] {
        for (const auto& [s, count] : targets)
            if (s->completed < count) return false;
        return true;
    });
}

void synchronize_all() {
    for (int i = 0; i < config().devices; i++) synchronize_device(i);
}

void enqueue(cudaStream_t stream, const char* what, std::function<void()> work) {
    Lock lock(state_lock());
    auto s = resolve_stream(stream);
    if (!s) throw std::invalid_argument(std::string("bn_sim::enqueue: not a stream (") + what + ")");
    push(s, what, std::move(work));
}

[[noreturn]] void fault(cudaError_t error, const std::string& message) { throw KernelFault{error, message}; }

}  // namespace bn_sim

using namespace bn_sim;

extern "C" {

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned int flags) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (!stream || flags > cudaStreamNonBlocking) return fail(cudaErrorInvalidValue);
    auto s = std::make_shared<CUstream_st>();
    s->device = index;
    s->blocking = (flags & cudaStreamNonBlocking) == 0;
    stream_handles().emplace(s.get(), s);
    live_streams().push_back(s);
    device(index).streams.push_back(s);
    *stream = s.get();
    return cudaSuccess;
}

cudaError_t cudaStreamCreate(cudaStream_t* stream) { return cudaStreamCreateWithFlags(stream, cudaStreamDefault); }

// Returns at once; work already queued still runs (as in CUDA).
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto it = stream_handles().find(stream);
    if (it == stream_handles().end()) return fail(cudaErrorInvalidResourceHandle);
    it->second->destroyed = true;
    auto& list = device(it->second->device).streams;
    list.erase(std::remove_if(list.begin(), list.end(), [&](const auto& w) { return w.expired() || w.lock() == it->second; }),
               list.end());
    stream_handles().erase(it);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    uint64_t target = s->enqueued;
    run_until([&] { return s->completed >= target; });
    return unusable(s->device);
}

cudaError_t cudaStreamQuery(cudaStream_t stream) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto s = resolve_stream(stream);
    if (!s) return fail(cudaErrorInvalidResourceHandle);
    if (s->completed < s->enqueued) step();
    if (cudaError_t e = unusable(s->device)) return e;
    return s->completed < s->enqueued ? cudaErrorNotReady : cudaSuccess;
}

cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto s = resolve_stream(stream);
    auto e = resolve_event(event);
    if (!s || !e) return fail(cudaErrorInvalidResourceHandle);
    if (flags != 0) return fail(cudaErrorInvalidValue);
    if (cudaError_t sticky = unusable(s->device)) return sticky;
    if (!e->recorded) return cudaSuccess;  // a never-recorded event: nothing to wait for
    push(s, "cudaStreamWaitEvent", nullptr, {Dependency{e->stream, e->count}});
    return cudaSuccess;
}

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    if (!event || flags > (cudaEventBlockingSync | cudaEventDisableTiming)) return fail(cudaErrorInvalidValue);
    auto created = std::make_shared<CUevent_st>();
    created->device = index;
    created->flags = flags;
    event_handles().emplace(created.get(), created);
    *event = created.get();
    return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) { return cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventDestroy(cudaEvent_t event) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!event_handles().erase(event)) return fail(cudaErrorInvalidResourceHandle);
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto s = resolve_stream(stream);
    auto e = resolve_event(event);
    if (!s || !e || e->device != s->device) return fail(cudaErrorInvalidResourceHandle);
    if (cudaError_t sticky = unusable(s->device)) return sticky;
    uint64_t generation = ++e->generation;
    push(s, "cudaEventRecord", [e, generation] {
        if (e->generation == generation) e->time_ms = now_ms();
    });
    e->recorded = true;
    e->stream = s;
    e->count = s->enqueued;
    return cudaSuccess;
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto e = resolve_event(event);
    if (!e) return fail(cudaErrorInvalidResourceHandle);
    if (!event_done(*e)) step();
    if (cudaError_t sticky = unusable(e->device)) return sticky;
    return event_done(*e) ? cudaSuccess : cudaErrorNotReady;
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    auto e = resolve_event(event);
    if (!e) return fail(cudaErrorInvalidResourceHandle);
    run_until([&] { return event_done(*e); });
    return unusable(e->device);
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
    Lock lock(state_lock());
    if (!config().enabled) return fail(cudaErrorNoDevice);
    if (!ms) return fail(cudaErrorInvalidValue);
    auto a = resolve_event(start), b = resolve_event(end);
    if (!a || !b) return fail(cudaErrorInvalidResourceHandle);
    if ((a->flags | b->flags) & cudaEventDisableTiming) return fail(cudaErrorInvalidResourceHandle);
    if (!a->recorded || !b->recorded) return fail(cudaErrorInvalidResourceHandle);
    if (!event_done(*a) || !event_done(*b)) return fail(cudaErrorNotReady);
    *ms = static_cast<float>(b->time_ms - a->time_ms);
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void) {
    Lock lock(state_lock());
    int index = current_device();
    if (cudaError_t e = unusable(index)) return e;
    synchronize_device(index);
    return unusable(index);
}

}  // extern "C"
