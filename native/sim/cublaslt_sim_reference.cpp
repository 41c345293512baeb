// The reference GEMM behind the cuBLASLt stand-in: one column-major batch item on the host.
// Cache- and register-blocked rather than clever: op(B) is packed into panels of kPanel columns
// and op(A), kRowBlock rows at a time, into panels of kPanel rows (both zero-padded), and a
// kPanel x kPanel tile of D is accumulated in registers over the whole k, in increasing order.
#include "cublaslt_sim.h"

#include <cstring>
#include <vector>

namespace bn_sim {
namespace lt {
namespace {

constexpr int64_t kPanel = 4;
constexpr int64_t kRowBlock = 64;  // a multiple of kPanel

inline double load(const float* x, bool tf32) { return tf32 ? round_to_tf32(*x) : *x; }

// tile[r][c] = sum over p of a[p kPanel + r] b[p kPanel + c]; written out so that the sixteen
// sums stay in registers whatever the optimization level.
void tile_product(int64_t k, const double* a, const double* b, double tile[kPanel][kPanel]) {
    double t00 = 0, t01 = 0, t02 = 0, t03 = 0, t10 = 0, t11 = 0, t12 = 0, t13 = 0;
    double t20 = 0, t21 = 0, t22 = 0, t23 = 0, t30 = 0, t31 = 0, t32 = 0, t33 = 0;
    for (int64_t p = 0; p < k; p++, a += kPanel, b += kPanel) {
        const double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
        const double b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
        t00 += a0 * b0; t01 += a0 * b1; t02 += a0 * b2; t03 += a0 * b3;
        t10 += a1 * b0; t11 += a1 * b1; t12 += a1 * b2; t13 += a1 * b3;
        t20 += a2 * b0; t21 += a2 * b1; t22 += a2 * b2; t23 += a2 * b3;
        t30 += a3 * b0; t31 += a3 * b1; t32 += a3 * b2; t33 += a3 * b3;
    }
    tile[0][0] = t00; tile[0][1] = t01; tile[0][2] = t02; tile[0][3] = t03;
    tile[1][0] = t10; tile[1][1] = t11; tile[1][2] = t12; tile[1][3] = t13;
    tile[2][0] = t20; tile[2][1] = t21; tile[2][2] = t22; tile[2][3] = t23;
    tile[3][0] = t30; tile[3][1] = t31; tile[3][2] = t32; tile[3][3] = t33;
}

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

    // Column panel q of op(B): packed_b[q k kPanel + p kPanel + c] = op(B)[p, q kPanel + c].
    const int64_t panels = (n + kPanel - 1) / kPanel;
    std::vector<double> packed_b(static_cast<size_t>(panels * k * kPanel), 0.0);
    for (int64_t j = 0; j < n; j++)
        for (int64_t p = 0; p < k; p++)
            packed_b[(j / kPanel) * k * kPanel + p * kPanel + j % kPanel] =
                load(g.trans_b ? g.b + j + p * g.ldb : g.b + p + j * g.ldb, g.tf32);

    std::vector<double> packed_a(static_cast<size_t>(kRowBlock * k));
    double tile[kPanel][kPanel];
    for (int64_t row0 = 0; row0 < m; row0 += kRowBlock) {
        const int64_t rows = m - row0 < kRowBlock ? m - row0 : kRowBlock;
        // Row panel s of the block: packed_a[s k kPanel + p kPanel + r] = op(A)[row0 + s kPanel + r, p].
        for (int64_t r = 0; r < kRowBlock; r++) {
            const int64_t i = row0 + r;
            double* panel = packed_a.data() + (r / kPanel) * k * kPanel + r % kPanel;
            for (int64_t p = 0; p < k; p++)
                panel[p * kPanel] = r < rows ? load(g.trans_a ? g.a + p + i * g.lda : g.a + i + p * g.lda, g.tf32) : 0.0;
        }
        for (int64_t q = 0; q < panels; q++) {
            const int64_t cols = n - q * kPanel < kPanel ? n - q * kPanel : kPanel;
            for (int64_t s = 0; s * kPanel < rows; s++) {
                tile_product(k, packed_a.data() + s * k * kPanel, packed_b.data() + q * k * kPanel, tile);
                const int64_t tile_rows = rows - s * kPanel < kPanel ? rows - s * kPanel : kPanel;
                for (int64_t c = 0; c < cols; c++) {
                    const int64_t j = q * kPanel + c;
                    for (int64_t r = 0; r < tile_rows; r++) {
                        const int64_t i = row0 + s * kPanel + r;
                        double value = g.alpha * tile[r][c];
                        if (g.beta != 0.0) value += g.beta * static_cast<double>(g.c[i + j * g.ldc]);
                        if (g.bias) value += static_cast<double>(g.bias[i]);
                        g.d[i + j * g.ldd] = static_cast<float>(value);
                    }
                }
            }
        }
    }
}

}  // namespace lt
}  // namespace bn_sim
