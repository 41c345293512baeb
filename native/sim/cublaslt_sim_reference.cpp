// The reference GEMM behind the cuBLASLt stand-in: one column-major batch item on the host.
// Cache-friendly rather than fast: op(B) is packed once (k x n, column by column), op(A) a block
// of kRowBlock rows at a time, and kColumns columns of D accumulate together so that each packed
// A element loaded serves several columns.
#include "cublaslt_sim.h"

#include <cstring>
#include <vector>

namespace bn_sim {
namespace lt {
namespace {

constexpr int64_t kRowBlock = 64;
constexpr int64_t kColumns = 4;

inline double load(const float* x, bool tf32) { return tf32 ? round_to_tf32(*x) : *x; }

}  // namespace

float round_to_tf32(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    if ((bits & 0x7F800000u) == 0x7F800000u) return value;  // Inf and NaN (a NaN could round to Inf)
    // Keep the top 10 of 23 mantissa bits: add just under half of the dropped part, plus the
    // lowest kept bit, so that ties go to even; a carry may round up into the exponent.
    bits += 0x0FFFu + ((bits >> 13) & 1u);
    bits &= 0xFFFFE000u;
    std::memcpy(&value, &bits, sizeof(bits));
    return value;
}

void reference_gemm(const Gemm& g) {
    const int64_t m = g.m, n = g.n, k = g.k;
    if (m == 0 || n == 0) return;

    // packed_b[p + j k] = op(B)[p, j]
    std::vector<double> packed_b(static_cast<size_t>(k * n));
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = 0; p < k; p++)
            packed_b[p + j * k] = load(g.trans_b ? g.b + j + p * g.ldb : g.b + p + j * g.ldb, g.tf32);

    std::vector<double> packed_a(static_cast<size_t>(kRowBlock * k));
    double sums[kColumns][kRowBlock];
    for (int64_t row0 = 0; row0 < m; row0 += kRowBlock) {
        const int64_t rows = m - row0 < kRowBlock ? m - row0 : kRowBlock;
        // packed_a[r + p rows] = op(A)[row0 + r, p]
        for (int64_t p = 0; p < k; p++)
            for (int64_t r = 0; r < rows; r++) {
                int64_t i = row0 + r;
                packed_a[r + p * rows] = load(g.trans_a ? g.a + p + i * g.lda : g.a + i + p * g.lda, g.tf32);
            }

        for (int64_t col0 = 0; col0 < n; col0 += kColumns) {
            const int64_t cols = n - col0 < kColumns ? n - col0 : kColumns;
            for (int64_t c = 0; c < kColumns; c++)
                for (int64_t r = 0; r < rows; r++) sums[c][r] = 0.0;
            for (int64_t p = 0; p < k; p++) {
                const double* a = packed_a.data() + p * rows;
                double b[kColumns] = {};
                for (int64_t c = 0; c < cols; c++) b[c] = packed_b[p + (col0 + c) * k];
                for (int64_t r = 0; r < rows; r++) {
                    const double x = a[r];
                    sums[0][r] += x * b[0];
                    sums[1][r] += x * b[1];
                    sums[2][r] += x * b[2];
                    sums[3][r] += x * b[3];
                }
            }
            for (int64_t c = 0; c < cols; c++) {
                const int64_t j = col0 + c;
                for (int64_t r = 0; r < rows; r++) {
                    const int64_t i = row0 + r;
                    double value = g.alpha * sums[c][r];
                    if (g.beta != 0.0) value += g.beta * static_cast<double>(g.c[i + j * g.ldc]);
                    if (g.bias) value += static_cast<double>(g.bias[i]);
                    g.d[i + j * g.ldd] = static_cast<float>(value);
                }
            }
        }
    }
}

}  // namespace lt
}  // namespace bn_sim
