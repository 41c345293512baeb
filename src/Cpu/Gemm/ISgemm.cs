namespace BertNative.Cpu.Gemm;

/// <summary>
/// Row-major single-precision GEMM: C[m,n] = alpha op(A)[m,k] op(B)[k,n] + beta C, where op(X) is X or X^T
/// and lda/ldb/ldc are the row strides of the matrices as stored (so a head's Q, K or V can be read
/// straight out of qkv[B,T,3H] with ld = 3H). beta = 0 never reads C (NaN in C does not leak). A bias, when given,
/// is added to every row of C (a linear layer's bias, added as C is stored rather than in a pass of its own).
/// </summary>
internal unsafe interface ISgemm
{
    /// <summary>What runs, for the backend's description ("OpenBLAS sgemm", "managed AVX-512 sgemm").</summary>
    string Description { get; }

    /// <summary>A large GEMM, using all the backend's threads.</summary>
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, float* bias = null);
}
