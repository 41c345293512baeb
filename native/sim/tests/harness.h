// A minimal test harness for bn_sim_tests: cases register themselves by name; each runs alone
// (bn_sim_tests --case NAME, exit 0 = pass), or all of them, each in a child process, with no arguments.
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bn_sim_tests {

struct Case {
    const char* name;
    std::function<void()> body;
};
std::vector<Case>& cases();

struct Register {
    Register(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& what, const char* file, int line);

// Sets an environment variable before the simulator first reads its configuration.
void env(const char* name, const char* value);

}  // namespace bn_sim_tests

#define BN_TEST_JOIN2(a, b) a##b
#define BN_TEST_JOIN(a, b) BN_TEST_JOIN2(a, b)
#define BN_TEST(name)                                                                                    \
    static void bn_test_##name();                                                                        \
    static ::bn_sim_tests::Register BN_TEST_JOIN(bn_register_, name)(#name, bn_test_##name);             \
    static void bn_test_##name()

#define CHECK(condition) \
    do { if (!(condition)) ::bn_sim_tests::fail("CHECK(" #condition ")", __FILE__, __LINE__); } while (0)
#define CHECK_CUDA(expected, call)                                                                                       \
    do {                                                                                                                 \
        cudaError_t bn_got = (call);                                                                                     \
        if (bn_got != (expected))                                                                                        \
            ::bn_sim_tests::fail(std::string(#call) + " returned " + cudaGetErrorName(bn_got) + ", expected " +          \
                                     cudaGetErrorName(expected),                                                         \
                                 __FILE__, __LINE__);                                                                    \
    } while (0)
#define OK(call) CHECK_CUDA(cudaSuccess, call)
#define CHECK_CONTAINS(text, part)                                                                                       \
    do {                                                                                                                 \
        std::string bn_text = (text);                                                                                    \
        if (bn_text.find(part) == std::string::npos)                                                                     \
            ::bn_sim_tests::fail(std::string("'") + bn_text + "' does not contain '" + (part) + "'", __FILE__, __LINE__); \
    } while (0)
