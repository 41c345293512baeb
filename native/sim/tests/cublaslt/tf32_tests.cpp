// CUBLAS_COMPUTE_32F_FAST_TF32 in the cuBLASLt stand-in (A and B rounded to TF32's 10 mantissa bits,
// to nearest even; C and the sums not), and the BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE switch.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "lt_fixture.h"

using namespace lt_test;

namespace {

float from_bits(uint32_t bits) {
    float value;
    std::memcpy(&value, &bits, sizeof(value));
    return value;
}

// D = alpha a b + beta c on 1 x 1 matrices, through cublasLtMatmul with the implicit heuristic.
struct Scalar {
    Handle handle;
    DeviceFloats a{4}, b{4}, c{4};
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t one = nullptr;
    explicit Scalar(cublasComputeType_t compute) {
        cublasLtMatmulDescCreate(&op, compute, CUDA_R_32F);
        cublasLtMatrixLayoutCreate(&one, CUDA_R_32F, 1, 1, 1);
    }
    ~Scalar() {
        cublasLtMatrixLayoutDestroy(one);
        cublasLtMatmulDescDestroy(op);
    }
    float operator()(float x, float y, float beta = 0.0f, float old_c = 0.0f) {
        a.upload({x});
        b.upload({y});
        c.upload({old_c});
        float alpha = 1.0f;
        CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, cublasLtMatmul(handle.value, op, &alpha, a.data, one, b.data, one, &beta, c.data,
                                                           one, c.data, one, nullptr, nullptr, 0, nullptr));
        return c.download()[0];
    }
};

}  // namespace

BN_TEST(cublaslt_tf32_rounding) {
    // Through the public path: 1 + 2^-12 has only bits below TF32's 10 mantissa bits.
    Scalar fp32(CUBLAS_COMPUTE_32F), tf32(CUBLAS_COMPUTE_32F_FAST_TF32);
    CHECK(fp32(1.0f + std::ldexp(1.0f, -12), 1.0f) == 1.0f + std::ldexp(1.0f, -12));
    CHECK(tf32(1.0f + std::ldexp(1.0f, -12), 1.0f) == 1.0f);
    // Round to nearest: 1 + 3 * 2^-12 is nearer to 1 + 2^-10 than to 1.
    CHECK(tf32(1.0f + 3.0f * std::ldexp(1.0f, -12), 1.0f) == 1.0f + std::ldexp(1.0f, -10));
    // Ties to even: 1 + 2^-11 goes down to 1 (even), 1 + 3 * 2^-11 up to 1 + 2^-9 (even).
    CHECK(tf32(1.0f + std::ldexp(1.0f, -11), 1.0f) == 1.0f);
    CHECK(tf32(1.0f + 3.0f * std::ldexp(1.0f, -11), 1.0f) == 1.0f + std::ldexp(1.0f, -9));
    // B is rounded too; C is not (beta C is added in full precision).
    CHECK(tf32(1.0f, -(1.0f + std::ldexp(1.0f, -12)), 1.0f, std::ldexp(1.0f, -20)) == -1.0f + std::ldexp(1.0f, -20));
    OK(cudaDeviceSynchronize());  // no fault

    // Larger shapes against the naive loop with its own (arithmetic) TF32 rounding.
    CHECK(matches_naive(shape(false, true, 33, 17, 40, 2, 1, 1.0f), false, 500, false, CUBLAS_COMPUTE_32F_FAST_TF32));
    CHECK(matches_naive(shape(true, false, 9, 70, 65, 1, 0, 0.0f), true, 501, false, CUBLAS_COMPUTE_32F_FAST_TF32));
}

BN_TEST(cublaslt_tf32_special_values) {
    // Infinity stays infinite; a NaN whose payload is only in the dropped bits stays NaN; the
    // largest float rounds up to infinity, as round-to-nearest does.
    Scalar tf32(CUBLAS_COMPUTE_32F_FAST_TF32);
    CHECK(std::isinf(tf32(std::numeric_limits<float>::infinity(), 1.0f)));
    CHECK(std::isnan(tf32(from_bits(0x7F800001u), 1.0f)));
    CHECK(std::isinf(tf32(std::numeric_limits<float>::max(), 1.0f)));
    CHECK(tf32(-2.5f, 1.0f) == -2.5f);
    OK(cudaDeviceSynchronize());  // no fault
}

// BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE=1 (read at each heuristic query): no algorithm for a bias epilogue.
BN_TEST(cublaslt_no_bias_epilogue_switch) {
    Handle handle;
    RowGemm g = shape(false, true, 4, 8, 4, 1, 0, 0.0f);
    DeviceFloats a(64), b(64), c(64), bias(8);
    bn_sim_tests::env("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE", "1");
    Outcome with_bias = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data);
    CHECK_CUBLAS(CUBLAS_STATUS_NOT_SUPPORTED, with_bias.heuristic);
    CHECK(with_bias.found == 0);
    CHECK(!with_bias.ran);
    CHECK(matches_naive(g, false, 600));  // no bias: unaffected
    bn_sim_tests::env("BN_SIM_CUBLASLT_NO_BIAS_EPILOGUE", nullptr);
    Outcome again = run_row_major(handle.value, g, a.data, b.data, c.data, bias.data);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, again.heuristic);
    CHECK_CUBLAS(CUBLAS_STATUS_SUCCESS, again.matmul);
    OK(cudaDeviceSynchronize());  // no fault
}
