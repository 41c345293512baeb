// Cases that run the kernel library itself (libbertnative_kernels_sim.so, through its C ABI). The library
// has its own copy of the simulator.
#include <string>
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

// The ring's stream ordering through the C ABI, under the lifo schedule (newest runnable work first), where a
// missing cudaStreamWaitEvent shows: fifo runs each stream's older work first and hides it. Rank 0 sends a
// window that its compute stream wrote just before the send (the communication stream must wait for that
// copy); rank 1 receives it and its compute stream copies the result right after (the compute stream must
// wait for the receive). Either wait missing leaves NaN (fresh device memory) or the old values in `out`.
BN_TEST(ring_orders_the_compute_streams_around_a_receive) {
    bn_sim_tests::env("BN_SIM_SCHEDULE", "lifo");
    CHECK(bn_set_device(0) == BN_OK);
    constexpr int64_t n = 1000;
    const int64_t bytes = n * sizeof(float);
    void *stream0 = nullptr, *stream1 = nullptr, *source = nullptr, *window = nullptr, *destination = nullptr, *out = nullptr;
    CHECK(bn_stream_create(&stream0) == BN_OK && bn_stream_create(&stream1) == BN_OK);
    CHECK(bn_malloc(&source, bytes) == BN_OK && bn_malloc(&window, bytes) == BN_OK);
    CHECK(bn_malloc(&destination, bytes) == BN_OK && bn_malloc(&out, bytes) == BN_OK);
    std::vector<float> values(n), old(n, -1.0f), result(n);
    for (int64_t i = 0; i < n; i++) values[i] = static_cast<float>(i) + 0.5f;
    CHECK(bn_memcpy_htod(source, values.data(), bytes, stream0) == BN_OK);
    CHECK(bn_memcpy_htod(window, old.data(), bytes, stream0) == BN_OK);
    CHECK(bn_stream_synchronize(stream0) == BN_OK);
    bn_ring_rank *rank0 = nullptr, *rank1 = nullptr;
    CHECK(bn_ring_rank_create(0, &rank0) == BN_OK && bn_ring_rank_create(0, &rank1) == BN_OK);

    CHECK(bn_memcpy_dtod(window, source, bytes, stream0) == BN_OK);  // compute work the send must see
    CHECK(bn_ring_send(rank0, stream0, static_cast<const float*>(window), n, 0, BN_RING_ORDERED) == BN_OK);
    CHECK(bn_ring_receive(rank1, stream1, rank0, static_cast<const float*>(window), static_cast<float*>(destination), n, 0,
                          BN_RING_SAME_DEVICE, BN_RING_ORDERED) == BN_OK);
    CHECK(bn_ring_complete_send(rank0, stream0, rank1, BN_RING_ORDERED) == BN_OK);
    CHECK(bn_memcpy_dtod(out, destination, bytes, stream1) == BN_OK);  // compute work that must see the receive
    CHECK(bn_memcpy_dtoh(result.data(), out, bytes, stream1) == BN_OK);
    for (int64_t i = 0; i < n; i++)
        if (result[i] != values[i]) ::bn_sim_tests::fail("element " + std::to_string(i) + " is " + std::to_string(result[i]) +
                                                             ", sent " + std::to_string(values[i]), __FILE__, __LINE__);
    CHECK(bn_ring_rank_destroy(rank0) == BN_OK && bn_ring_rank_destroy(rank1) == BN_OK);
    CHECK(bn_stream_synchronize(stream0) == BN_OK && bn_stream_synchronize(stream1) == BN_OK);
}
