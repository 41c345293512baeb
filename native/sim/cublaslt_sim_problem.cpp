// cuBLASLt stand-in: the matmul a descriptor and four layouts describe, checked against each
// other (INVALID_VALUE) and against what the stand-in implements (NOT_SUPPORTED).
#include "cublaslt_sim.h"

#include <climits>

namespace bn_sim {
namespace lt {
namespace {

using Status = cublasStatus_t;

Status reject(Status status, std::string* reason, const std::string& why) {
    if (reason) *reason = why;
    return status;
}

// Elements from the first to one past the last one addressed, over all batch items; false on
// overflow. Needs ld >= rows (so columns do not overlap) and non-negative strides.
bool extent_of(const Operand& x, int batch, int64_t* extent) {
    if (x.rows == 0 || x.cols == 0) {
        *extent = 0;
        return true;
    }
    int64_t last_column = 0, last_batch = 0, total = 0;
    if (__builtin_mul_overflow(x.cols - 1, x.ld, &last_column)) return false;
    if (__builtin_mul_overflow(static_cast<int64_t>(batch - 1), x.stride, &last_batch)) return false;
    if (__builtin_add_overflow(last_column, last_batch, &total)) return false;
    if (__builtin_add_overflow(total, x.rows, &total)) return false;
    if (total > INT64_MAX / 4) return false;  // bytes must fit too
    *extent = total;
    return true;
}

// Whether two batch items of an output share an element: item i's element (r, c) sits at
// i*stride + c*ld + r, so items d apart collide when d*stride = C*ld + R with |C| < cols, |R| < rows.
bool batches_overlap(const Operand& x, int batch) {
    if (batch <= 1 || x.rows == 0 || x.cols == 0) return false;
    for (int64_t apart = 1; apart < batch; apart++) {
        int64_t offset = apart * x.stride;  // cannot overflow: extent_of checked the largest
        int64_t column = x.ld > 0 ? offset / x.ld : 0;
        for (int64_t candidate : {column, column + 1}) {
            if (candidate > x.cols - 1) candidate = x.cols - 1;
            int64_t remainder = offset - candidate * x.ld;
            if (remainder > -x.rows && remainder < x.rows) return true;
        }
    }
    return false;
}

Status check_layout(const Layout& layout, const char* name, Operand* operand, std::string* reason) {
    std::string what = std::string("layout ") + name + ": ";
    if (layout.type != CUDA_R_32F)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "only CUDA_R_32F is implemented");
    if (layout.order != CUBLASLT_ORDER_COL)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "only CUBLASLT_ORDER_COL is implemented");
    if (layout.plane_offset != 0)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "planar complex is not implemented");
    if (layout.rows > INT32_MAX || layout.cols > INT32_MAX)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "rows and cols must fit int32");
    if (layout.ld < 0) return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "negative leading dimension");
    if (layout.stride < 0) return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, what + "negative batch stride");
    if (layout.batch < 1) return reject(CUBLAS_STATUS_INVALID_VALUE, reason, what + "batch count below 1");
    if (layout.ld < static_cast<int64_t>(layout.rows))
        return reject(CUBLAS_STATUS_INVALID_VALUE, reason,
                      what + "leading dimension " + std::to_string(layout.ld) + " < rows " + std::to_string(layout.rows));
    operand->rows = static_cast<int64_t>(layout.rows);
    operand->cols = static_cast<int64_t>(layout.cols);
    operand->ld = layout.ld;
    operand->stride = layout.stride;
    if (!extent_of(*operand, layout.batch, &operand->extent))
        return reject(CUBLAS_STATUS_INVALID_VALUE, reason, what + "extent overflows");
    return CUBLAS_STATUS_SUCCESS;
}

Status check_operation(const MatmulDesc& op, Problem* problem, std::string* reason) {
    if (op.compute == CUBLAS_COMPUTE_32F) problem->tf32 = false;
    else if (op.compute == CUBLAS_COMPUTE_32F_FAST_TF32) problem->tf32 = true;
    else return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "compute type " + std::to_string(op.compute));
    if (op.scale != CUDA_R_32F) return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "scale type must be CUDA_R_32F");
    if (op.pointer_mode != CUBLASLT_POINTER_MODE_HOST)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "only host alpha/beta are implemented");
    for (int32_t trans : {op.trans_a, op.trans_b})
        if (trans != CUBLAS_OP_N && trans != CUBLAS_OP_T && trans != CUBLAS_OP_C)
            return reject(CUBLAS_STATUS_INVALID_VALUE, reason, "transpose " + std::to_string(trans));
    if (op.trans_c != CUBLAS_OP_N) return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "TRANSC must be CUBLAS_OP_N");
    if (op.fill != CUBLAS_FILL_MODE_FULL)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "only CUBLAS_FILL_MODE_FULL is implemented");
    if (op.epilogue != CUBLASLT_EPILOGUE_DEFAULT && op.epilogue != CUBLASLT_EPILOGUE_BIAS)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason,
                      "epilogue " + std::to_string(op.epilogue) + " (only DEFAULT and BIAS are implemented)");
    if (op.bias_type != -1 && op.bias_type != CUDA_R_32F)
        return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "bias type must be CUDA_R_32F");
    if (op.bias_stride < 0) return reject(CUBLAS_STATUS_NOT_SUPPORTED, reason, "negative bias batch stride");
    // For real data the conjugate transpose is the transpose.
    problem->trans_a = op.trans_a != CUBLAS_OP_N;
    problem->trans_b = op.trans_b != CUBLAS_OP_N;
    problem->bias = op.epilogue == CUBLASLT_EPILOGUE_BIAS;
    problem->bias_stride = op.bias_stride;
    problem->epilogue = op.epilogue;
    problem->compute = op.compute;
    return CUBLAS_STATUS_SUCCESS;
}

}  // namespace

Status resolve(const MatmulDesc& op, const Layout& a, const Layout& b, const Layout& c, const Layout& d,
               Problem* problem, std::string* reason) {
    Problem p;
    Status status = check_operation(op, &p, reason);
    if (status != CUBLAS_STATUS_SUCCESS) return status;
    const Layout* layouts[4] = {&a, &b, &c, &d};
    Operand* operands[4] = {&p.a, &p.b, &p.c, &p.d};
    const char* names[4] = {"A", "B", "C", "D"};
    for (int i = 0; i < 4; i++) {
        status = check_layout(*layouts[i], names[i], operands[i], reason);
        if (status != CUBLAS_STATUS_SUCCESS) return status;
    }
    if (a.batch != d.batch || b.batch != d.batch || c.batch != d.batch)
        return reject(CUBLAS_STATUS_INVALID_VALUE, reason, "batch counts differ");
    p.batch = d.batch;

    // op(A) is m x k, op(B) k x n, C and D m x n.
    p.m = p.d.rows;
    p.n = p.d.cols;
    int64_t a_rows = p.trans_a ? p.a.cols : p.a.rows, a_cols = p.trans_a ? p.a.rows : p.a.cols;
    int64_t b_rows = p.trans_b ? p.b.cols : p.b.rows, b_cols = p.trans_b ? p.b.rows : p.b.cols;
    p.k = a_cols;
    if (a_rows != p.m || b_cols != p.n || b_rows != p.k || p.c.rows != p.m || p.c.cols != p.n)
        return reject(CUBLAS_STATUS_INVALID_VALUE, reason,
                      "sizes disagree: op(A) " + std::to_string(a_rows) + "x" + std::to_string(a_cols) + ", op(B) " +
                          std::to_string(b_rows) + "x" + std::to_string(b_cols) + ", C " + std::to_string(p.c.rows) +
                          "x" + std::to_string(p.c.cols) + ", D " + std::to_string(p.m) + "x" + std::to_string(p.n));
    // Batch items of D written over each other give an undefined result on the GPU: refused.
    if (batches_overlap(p.d, p.batch))
        return reject(CUBLAS_STATUS_INVALID_VALUE, reason,
                      "batch stride " + std::to_string(p.d.stride) + " of D makes batch items overlap");
    *problem = p;
    return CUBLAS_STATUS_SUCCESS;
}

}  // namespace lt
}  // namespace bn_sim
