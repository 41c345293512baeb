using System.Runtime.InteropServices;

namespace BertNative.Interop.Cuda;

/// <summary>
/// Bindings to native/kernels/bertnative.h (libbertnative_kernels.so). Blittable signatures only:
/// device pointers, streams and handles are <see cref="nint"/>; every function returns a status
/// (0 = ok) whose message <see cref="LastError"/> reads. Call through <see cref="CudaCheck"/>.
/// </summary>
internal static unsafe partial class CudaNative
{
    internal const string Library = "bertnative_kernels";

    /// <summary>BN_VERSION of the header these bindings match; a library reporting another is stale.</summary>
    internal const int AbiVersion = 3;

    // The resolver must be in place before the first stub runs; a static constructor on the
    // class that owns the stubs guarantees that.
    static CudaNative() => CudaLibrary.RegisterResolver();

    internal static string LastError() => Marshal.PtrToStringUTF8(bn_last_error()) ?? "";

    [LibraryImport(Library)] internal static partial nint bn_last_error();
    [LibraryImport(Library)] internal static partial int bn_version(out int version);
    [LibraryImport(Library)] internal static partial int bn_device_count(out int count);
    [LibraryImport(Library)] internal static partial int bn_set_device(int device);
    [LibraryImport(Library)] internal static partial int bn_device_name(int device, byte* name, int capacity);
    [LibraryImport(Library)] internal static partial int bn_device_compute_capability(int device, out int major, out int minor);
    [LibraryImport(Library)] internal static partial int bn_driver_version(out int version);
    [LibraryImport(Library)] internal static partial int bn_runtime_version(out int version);
    [LibraryImport(Library)] internal static partial int bn_cublaslt_version(out long version);
    [LibraryImport(Library)] internal static partial int bn_mem_info(out long freeBytes, out long totalBytes);

    [LibraryImport(Library)] internal static partial int bn_stream_create(out nint stream);
    [LibraryImport(Library)] internal static partial int bn_stream_destroy(nint stream);
    [LibraryImport(Library)] internal static partial int bn_stream_synchronize(nint stream);
    [LibraryImport(Library)] internal static partial int bn_event_create(out nint evt);
    [LibraryImport(Library)] internal static partial int bn_event_destroy(nint evt);
    [LibraryImport(Library)] internal static partial int bn_event_record(nint evt, nint stream);
    [LibraryImport(Library)] internal static partial int bn_event_synchronize(nint evt);
    [LibraryImport(Library)] internal static partial int bn_event_elapsed_ms(nint start, nint end, out float ms);

    [LibraryImport(Library)] internal static partial int bn_malloc(out nint pointer, long bytes);
    [LibraryImport(Library)] internal static partial int bn_free(nint pointer);
    [LibraryImport(Library)] internal static partial int bn_memcpy_htod(nint destination, void* source, long bytes, nint stream);
    [LibraryImport(Library)] internal static partial int bn_memcpy_dtoh(void* destination, nint source, long bytes, nint stream);
    [LibraryImport(Library)] internal static partial int bn_memcpy_dtod(nint destination, nint source, long bytes, nint stream);
    [LibraryImport(Library)] internal static partial int bn_memset_zero(nint destination, long bytes, nint stream);

    [LibraryImport(Library)] internal static partial int bn_context_create(out nint context, int precision);
    [LibraryImport(Library)] internal static partial int bn_context_destroy(nint context);

    [LibraryImport(Library)]
    internal static partial int bn_embedding_forward(nint output, nint tokens, nint segments, nint tokenTable,
        nint segmentTable, nint positionTable, int B, int T, int H, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_embedding_backward(nint context, nint dTokenTable, nint dSegmentTable, nint dPositionTable,
        nint doutput, nint tokens, nint segments, int B, int T, int H, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_matmul_forward(nint context, nint output, nint input, nint weight, nint bias,
        int N, int I, int O, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_matmul_backward(nint context, nint dinput, int accumulateInput, nint dweight, nint dbias,
        nint doutput, nint input, nint weight, int N, int I, int O, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_attention_forward(nint context, nint output, nint probs, nint qkv, nint validLens, nint keyMask,
        int B, int T, int H, int heads, float dropoutP, ulong dropoutKey, uint dropoutThreshold, float dropoutScale, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_attention_backward(nint context, nint dqkv, nint doutput, nint qkv, nint probs, nint validLens,
        int B, int T, int H, int heads, float dropoutP, ulong dropoutKey, uint dropoutThreshold, float dropoutScale, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_layernorm_forward(nint output, nint mean, nint rstd, nint input, nint gamma, nint beta,
        int N, int C, float epsilon, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_residual_layernorm_forward(nint output, nint residual, nint mean, nint rstd, nint a, nint b,
        nint gamma, nint beta, int N, int C, float epsilon, float dropoutP, ulong dropoutKey, uint dropoutThreshold, float dropoutScale,
        nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_layernorm_backward(nint context, nint dinput, nint dgamma, nint dbeta, nint doutput, nint input,
        nint gamma, nint mean, nint rstd, int N, int C, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_activation_forward(int activation, nint output, nint input, long n, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_activation_backward(int activation, nint dinput, nint doutput, nint input, nint output,
        long n, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_dropout(nint output, nint input, long n, float dropoutP, ulong dropoutKey,
        uint dropoutThreshold, float dropoutScale, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_gather_forward(nint output, nint input, nint positions, int B, int T, int P, int C, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_gather_backward(nint dinput, nint doutput, nint positions, int B, int T, int P, int C, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_softmax_cross_entropy(nint losses, nint dlogits, nint logits, nint labels, nint weights,
        float gradScale, int N, int C, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_weighted_sum(nint context, nint result, nint values, nint weights, long n, nint stream);
    [LibraryImport(Library)]
    internal static partial int bn_sum_of_squares(nint context, nint result, nint values, long n, nint stream);

    [LibraryImport(Library)]
    internal static partial int bn_adam_step(nint parameters, nint gradients, nint m, nint v, long n, float learningRate,
        float beta1, float beta2, float epsilon, float weightDecay, float gradientScale, int t, nint stream);

    // ring.cu: the ring transport's device side (CudaRing) and event polling (NcclCommunicator's bounded waits).
    internal const int RingSameDevice = 0, RingPeer = 1, RingHost = 2;
    [LibraryImport(Library)] internal static partial int bn_ring_rank_create(int device, out nint rank);
    [LibraryImport(Library)] internal static partial int bn_ring_rank_destroy(nint rank);
    [LibraryImport(Library)] internal static partial int bn_ring_enable_peer_access(int device, int peer, out int enabled);
    [LibraryImport(Library)] internal static partial int bn_ring_send(nint rank, nint computeStream, nint window, long count, int stageToHost, int flags);
    [LibraryImport(Library)]
    internal static partial int bn_ring_receive(nint rank, nint computeStream, nint sender, nint window, nint destination,
        long count, int add, int path, int flags);
    [LibraryImport(Library)] internal static partial int bn_ring_complete_send(nint rank, nint computeStream, nint receiver, int flags);
    [LibraryImport(Library)] internal static partial int bn_ring_follow_compute(nint rank, nint computeStream);
    [LibraryImport(Library)] internal static partial int bn_ring_join_compute(nint rank, nint computeStream);
    /// <summary>Step flags (bertnative.h): ordinary collectives are ordered both ways; deferred ones neither.</summary>
    internal const int RingOrdered = 3, RingDeferred = 0;
    [LibraryImport(Library)] internal static partial int bn_ring_query_taken(nint rank, out int done);
    [LibraryImport(Library)] internal static partial int bn_event_query(nint evt, out int done);
}
