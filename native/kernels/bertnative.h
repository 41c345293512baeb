/*
 * BertNative CUDA kernels: the C ABI used by src/Interop/Cuda (LibraryImport).
 *
 * Every function returns an int status: BN_OK (0) or one of the BN_ERR_* codes below, with a
 * human-readable message in bn_last_error() (thread-local). No C++ exception or exit() ever
 * leaves this library.
 *
 * Pointers named like tensors are device pointers (float* or int*) already offset to the view.
 * Ops are queued on the given stream and do not synchronize. Conventions follow IBertOps.cs:
 * row-major, linear weights [out, in], parameter gradients +=, activation gradients =.
 * A bn_context owns the cuBLASLt handle, its workspace and a scratch buffer; it is used from one
 * stream at a time. After bn_set_device, every call runs in that device's primary context, even
 * when another context (ILGPU's) is current on the calling thread.
 * BERTNATIVE_CUDA_SYNC=1 in the environment makes every op wait for its kernels and report
 * their faults itself (slow; for finding the op that fails).
 */
#ifndef BERTNATIVE_H
#define BERTNATIVE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BN_EXPORT __attribute__((visibility("default")))

enum {
    BN_OK = 0,
    BN_ERR_CUDA = 1,          /* a CUDA runtime call failed */
    BN_ERR_CUBLAS = 2,        /* a cuBLASLt call failed or found no algorithm */
    BN_ERR_INVALID = 3,       /* a bad argument (null pointer, negative size) */
    BN_ERR_OUT_OF_MEMORY = 4, /* cudaMalloc failed for lack of device memory */
    BN_ERR_INTERNAL = 5       /* anything else (a C++ exception) */
};

typedef struct bn_context bn_context;

/* ---- Library and device ---- */
BN_EXPORT const char* bn_last_error(void);
BN_EXPORT int bn_version(int* version);                 /* BN_VERSION below */
BN_EXPORT int bn_device_count(int* count);
BN_EXPORT int bn_set_device(int device);
BN_EXPORT int bn_device_name(int device, char* name, int capacity);
BN_EXPORT int bn_device_compute_capability(int device, int* major, int* minor);
BN_EXPORT int bn_driver_version(int* version);          /* e.g. 12040 for 12.4 */
BN_EXPORT int bn_runtime_version(int* version);
BN_EXPORT int bn_cublaslt_version(int64_t* version);
BN_EXPORT int bn_mem_info(int64_t* free_bytes, int64_t* total_bytes);

/* ---- Streams and events ---- */
BN_EXPORT int bn_stream_create(void** stream);
BN_EXPORT int bn_stream_destroy(void* stream);
BN_EXPORT int bn_stream_synchronize(void* stream);
BN_EXPORT int bn_event_create(void** event);
BN_EXPORT int bn_event_destroy(void* event);
BN_EXPORT int bn_event_record(void* event, void* stream);
BN_EXPORT int bn_event_synchronize(void* event);
BN_EXPORT int bn_event_elapsed_ms(void* start, void* end, float* ms);

/* ---- Device memory ---- */
BN_EXPORT int bn_malloc(void** pointer, int64_t bytes);  /* BN_ERR_OUT_OF_MEMORY when it does not fit */
BN_EXPORT int bn_free(void* pointer);
BN_EXPORT int bn_memcpy_htod(void* destination, const void* source, int64_t bytes, void* stream);
BN_EXPORT int bn_memcpy_dtoh(void* destination, const void* source, int64_t bytes, void* stream); /* waits */
BN_EXPORT int bn_memcpy_dtod(void* destination, const void* source, int64_t bytes, void* stream);
BN_EXPORT int bn_memset_zero(void* destination, int64_t bytes, void* stream);

/* ---- Context: cuBLASLt handle + GEMM workspace + op scratch ---- */
/* GEMM precision of a context: FP32 (the default, matches the cpu reference) or TF32 tensor cores */
enum { BN_PRECISION_FP32 = 0, BN_PRECISION_TF32 = 1 };
BN_EXPORT int bn_context_create(bn_context** context, int precision);
BN_EXPORT int bn_context_destroy(bn_context* context);

/* ---- Ops (one per IBertOps method; nullable tensors may be NULL) ---- */
BN_EXPORT int bn_embedding_forward(float* output, const int* tokens, const int* segments,
    const float* token_table, const float* segment_table, const float* position_table,
    int B, int T, int H, void* stream);
BN_EXPORT int bn_embedding_backward(bn_context* context, float* dtoken_table, float* dsegment_table, float* dposition_table,
    const float* doutput, const int* tokens, const int* segments, int B, int T, int H, void* stream);

BN_EXPORT int bn_matmul_forward(bn_context* context, float* output, const float* input, const float* weight,
    const float* bias, int N, int I, int O, void* stream);
BN_EXPORT int bn_matmul_backward(bn_context* context, float* dinput, int accumulate_input, float* dweight,
    float* dbias, const float* doutput, const float* input, const float* weight, int N, int I, int O, void* stream);

BN_EXPORT int bn_attention_forward(bn_context* context, float* output, float* probs, const float* qkv,
    const int* valid_lens, const int* key_mask, int B, int T, int H, int heads, float dropout_p, uint64_t dropout_key,
    uint32_t dropout_threshold, float dropout_scale, void* stream);
BN_EXPORT int bn_attention_backward(bn_context* context, float* dqkv, const float* doutput, const float* qkv,
    const float* probs, const int* valid_lens, int B, int T, int H, int heads, float dropout_p,
    uint64_t dropout_key, uint32_t dropout_threshold, float dropout_scale, void* stream);

BN_EXPORT int bn_layernorm_forward(float* output, float* mean, float* rstd, const float* input,
    const float* gamma, const float* beta, int N, int C, float epsilon, void* stream);
/* residual = a + dropout(b) (element index n*C + c), output = LN(residual); b is not changed */
BN_EXPORT int bn_residual_layernorm_forward(float* output, float* residual, float* mean, float* rstd,
    const float* a, const float* b, const float* gamma, const float* beta, int N, int C, float epsilon,
    float dropout_p, uint64_t dropout_key, uint32_t dropout_threshold, float dropout_scale, void* stream);
BN_EXPORT int bn_layernorm_backward(bn_context* context, float* dinput, float* dgamma, float* dbeta, const float* doutput,
    const float* input, const float* gamma, const float* mean, const float* rstd, int N, int C, void* stream);

/* activation: 0 relu, 1 gelu (exact erf), 2 tanh (the Activation enum) */
BN_EXPORT int bn_activation_forward(int activation, float* output, const float* input, int64_t n, void* stream);
BN_EXPORT int bn_activation_backward(int activation, float* dinput, const float* doutput, const float* input,
    const float* output, int64_t n, void* stream);

/* output = keep(i) ? input * scale : 0, both directions of dropout (same mask); dropout_p == 0 copies */
BN_EXPORT int bn_dropout(float* output, const float* input, int64_t n, float dropout_p,
    uint64_t dropout_key, uint32_t dropout_threshold, float dropout_scale, void* stream);

BN_EXPORT int bn_gather_forward(float* output, const float* input, const int* positions, int B, int T, int P, int C, void* stream);
BN_EXPORT int bn_gather_backward(float* dinput, const float* doutput, const int* positions, int B, int T, int P, int C, void* stream);

BN_EXPORT int bn_softmax_cross_entropy(float* losses, float* dlogits, const float* logits, const int* labels,
    const float* weights, float grad_scale, int N, int C, void* stream);

BN_EXPORT int bn_weighted_sum(bn_context* context, float* result, const float* values, const float* weights, int64_t n, void* stream);
BN_EXPORT int bn_sum_of_squares(bn_context* context, float* result, const float* values, int64_t n, void* stream);

/* AdamW (decoupled weight decay; gradients scaled by gradient_scale first); t is the 1-based step;
   bias corrections 1 - beta^t are computed in double on the host */
BN_EXPORT int bn_adam_step(float* parameters, const float* gradients, float* m, float* v, int64_t n,
    float learning_rate, float beta1, float beta2, float epsilon, float weight_decay, float gradient_scale, int t, void* stream);

#define BN_VERSION 3

/* ---- Ring all-reduce transport (ring.cu; src/Interop/Cuda/CudaRing.cs) ----
 * One bn_ring_rank per replica: a communication stream on `device`, its events and staging. Each
 * step is queued on that stream and ordered against the rank's compute stream with events, so the
 * host never waits for the GPU; the caller queues a receive only after the sender queued its send.
 * A receive copies the sender's window (same device, peer copy, or the sender's pinned host copy
 * when stage_to_host was set on the send) and, when `add`, adds it into destination (one float add
 * per element, like the cpu ring); else copies it there. */
typedef struct bn_ring_rank bn_ring_rank;
enum { BN_RING_SAME_DEVICE = 0, BN_RING_PEER = 1, BN_RING_HOST = 2 };
/* flags of a step: AFTER_COMPUTE, the step waits for the compute work queued so far; BEFORE_COMPUTE,
 * compute work queued later waits for the step. Both for an ordinary collective; neither for the
 * steps of a deferred one (bracketed by bn_ring_follow_compute and bn_ring_join_compute). */
enum { BN_RING_AFTER_COMPUTE = 1, BN_RING_BEFORE_COMPUTE = 2, BN_RING_ORDERED = 3 };
BN_EXPORT int bn_ring_rank_create(int device, bn_ring_rank** rank);
BN_EXPORT int bn_ring_rank_destroy(bn_ring_rank* rank);  /* waits for its stream */
BN_EXPORT int bn_ring_enable_peer_access(int device, int peer, int* enabled);  /* device may then read peer's memory */
BN_EXPORT int bn_ring_send(bn_ring_rank* rank, void* compute_stream, const float* window, int64_t count, int stage_to_host, int flags);
BN_EXPORT int bn_ring_receive(bn_ring_rank* rank, void* compute_stream, const bn_ring_rank* sender, const float* window,
    float* destination, int64_t count, int add, int path, int flags);
BN_EXPORT int bn_ring_complete_send(bn_ring_rank* rank, void* compute_stream, const bn_ring_rank* receiver, int flags);
BN_EXPORT int bn_ring_follow_compute(bn_ring_rank* rank, void* compute_stream);  /* comm waits for the compute work queued so far */
BN_EXPORT int bn_ring_join_compute(bn_ring_rank* rank, void* compute_stream);    /* compute waits for the comm work queued so far */
BN_EXPORT int bn_ring_query_taken(const bn_ring_rank* rank, int* done);  /* its receives queued so far have finished */
BN_EXPORT int bn_event_query(void* event, int* done);                     /* the work before its latest record has finished */

#ifdef __cplusplus
}
#endif

#endif
