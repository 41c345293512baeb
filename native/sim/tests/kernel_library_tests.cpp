// Cases that run the kernel library itself (libbertnative_kernels_sim.so, through its C ABI), built only
// where the library is (the cuBLASLt stand-in present). The library has its own copy of the simulator.
#ifdef BN_SIM_TESTS_WITH_KERNEL_HEADERS

#include <vector>

#include "bertnative.h"
#include "harness.h"

// A kernel's out-of-range read fails the next call on the device with the fault's message, and with
// BERTNATIVE_CUDA_SYNC=1 the op that launched it.
BN_TEST(kernel_fault_names_the_op) {
    bn_sim_tests::env("BN_SIM_GUARD_PAGES", "1");
    bn_sim_tests::env("BERTNATIVE_CUDA_SYNC", "1");
    CHECK(bn_set_device(0) == BN_OK);
    void *out = nullptr, *in = nullptr, *positions = nullptr, *stream = nullptr;
    CHECK(bn_stream_create(&stream) == BN_OK);
    CHECK(bn_malloc(&out, 4 * 8 * sizeof(float)) == BN_OK && bn_malloc(&in, 4 * 8 * sizeof(float)) == BN_OK);
    CHECK(bn_malloc(&positions, 4 * sizeof(int)) == BN_OK);
    std::vector<int> rows = {0, 1, 2, 400};  // row 400 of a 4-row input
    CHECK(bn_memcpy_htod(positions, rows.data(), 4 * sizeof(int), stream) == BN_OK);
    int status = bn_gather_forward(static_cast<float*>(out), static_cast<const float*>(in), static_cast<const int*>(positions),
                                   1, 4, 4, 8, stream);
    CHECK(status == BN_ERR_CUDA);
    std::string message = bn_last_error();
    CHECK_CONTAINS(message, "bn_gather_forward: cudaErrorIllegalAddress");
    CHECK_CONTAINS(message, "past the end of the 128-byte allocation");
    CHECK_CONTAINS(message, "kernel gather_forward_kernel");
    CHECK(bn_stream_synchronize(stream) == BN_ERR_CUDA);  // sticky
    CHECK_CONTAINS(std::string(bn_last_error()), "cudaErrorIllegalAddress");
}

#endif
