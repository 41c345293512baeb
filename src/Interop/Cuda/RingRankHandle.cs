using Microsoft.Win32.SafeHandles;

namespace BertNative.Interop.Cuda;

/// <summary>A bn_ring_rank: one replica's communication stream, ring events and staging buffers (ring.cu).</summary>
internal sealed class RingRankHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    RingRankHandle() : base(true) { }

    internal static RingRankHandle Create(int device)
    {
        CudaCheck.Ok(CudaNative.bn_ring_rank_create(device, out nint rank));
        var handle = new RingRankHandle();
        handle.SetHandle(rank);
        return handle;
    }

    protected override bool ReleaseHandle() => CudaNative.bn_ring_rank_destroy(handle) == 0;
}
