// bn_sim_tests: --list prints the case names; --case NAME runs one (exit 0 = pass, 1 = fail);
// no arguments runs every case in its own child process (each reads its own configuration).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness.h"

namespace bn_sim_tests {

std::vector<Case>& cases() {
    static std::vector<Case> all;
    return all;
}

void fail(const std::string& what, const char* file, int line) {
    throw Failure(std::string(file) + ":" + std::to_string(line) + ": " + what);
}

void env(const char* name, const char* value) {
    if (value) setenv(name, value, 1);
    else unsetenv(name);
}

}  // namespace bn_sim_tests

namespace {

int run_one(const bn_sim_tests::Case& c) {
    // Each case starts from the default configuration and sets what it tests.
    for (const char* name : {"BN_SIM_DEVICES", "BN_SIM_DEVICE_MEMORY_MB", "BN_SIM_SMS", "BN_SIM_GUARD_PAGES", "BN_SIM_SCHEDULE",
                             "BN_SIM_BLOCK_ORDER", "BERTNATIVE_CUDA_SYNC", "BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE"})
        bn_sim_tests::env(name, nullptr);
    bn_sim_tests::env("BERTNATIVE_CUDA_SIM", "1");  // a case that wants no simulation unsets it first thing
    try {
        c.body();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "FAIL %s: %s\n", c.name, e.what());
        return 1;
    }
    std::printf("PASS %s\n", c.name);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto& all = bn_sim_tests::cases();
    if (argc == 2 && std::strcmp(argv[1], "--list") == 0) {
        for (const auto& c : all) std::printf("%s\n", c.name);
        return 0;
    }
    if (argc == 3 && std::strcmp(argv[1], "--case") == 0) {
        for (const auto& c : all)
            if (std::strcmp(c.name, argv[2]) == 0) return run_one(c);
        std::fprintf(stderr, "no case named %s (--list shows them)\n", argv[2]);
        return 2;
    }
    if (argc != 1) {
        std::fprintf(stderr, "usage: %s [--list | --case NAME]\n", argv[0]);
        return 2;
    }
    int failed = 0;
    for (const auto& c : all) {
        std::fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            int result = run_one(c);
            std::fflush(nullptr);
            std::_Exit(result);
        }
        int status = 0;
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (!WIFEXITED(status)) std::fprintf(stderr, "FAIL %s: died (status %d)\n", c.name, status);
            failed++;
        }
    }
    std::printf("%zu cases, %d failed\n", all.size(), failed);
    return failed == 0 ? 0 : 1;
}
