// The live-object registry and error logging of the cuBLASLt stand-in.
#include "cublaslt_sim.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace bn_sim {
namespace lt {
namespace {

std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}

std::unordered_map<const void*, Kind>& registry() {
    static std::unordered_map<const void*, Kind> objects;
    return objects;
}

int log_level() {
    static const int level = [] {
        const char* value = std::getenv("CUBLASLT_LOG_LEVEL");
        return value ? std::atoi(value) : 0;
    }();
    return level;
}

}  // namespace

void track(const void* object, Kind kind) {
    std::lock_guard<std::mutex> lock(registry_mutex());
    registry()[object] = kind;
}

bool untrack(const void* object, Kind kind) {
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto found = registry().find(object);
    if (found == registry().end() || found->second != kind) return false;
    registry().erase(found);
    return true;
}

bool is_live(const void* object, Kind kind) {
    if (!object) return false;
    std::lock_guard<std::mutex> lock(registry_mutex());
    auto found = registry().find(object);
    return found != registry().end() && found->second == kind;
}

cublasStatus_t fail(cublasStatus_t status, const char* function, const std::string& reason) {
    if (log_level() >= 1)
        std::fprintf(stderr, "[cublasLt][sim][error] %s: status %d: %s\n", function, static_cast<int>(status),
                     reason.c_str());
    return status;
}

}  // namespace lt
}  // namespace bn_sim
