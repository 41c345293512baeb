namespace BertNative.Interop.Cuda;

/// <summary>The compute type of the cuda backend's cuBLASLt GEMMs (--precision). The values are bertnative.h's
/// BN_PRECISION_*.</summary>
public enum CudaPrecision
{
    /// <summary>Full fp32 products, as the cpu reference computes them (the default; the parity tests need it).</summary>
    Fp32 = 0,

    /// <summary>TF32 tensor cores (10-bit mantissa inputs, fp32 accumulation): faster GEMMs on Ampere and newer.</summary>
    Tf32 = 1,
}
