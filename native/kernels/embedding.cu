// Embeddings: output[b,t,:] = token_table[tokens[b,t]] + segment_table[segments[b,t]] + position_table[t].
// Backward accumulates into the tables' gradients (parameter gradients +=): the token table by
// atomicAdd (rows repeat across the batch), the segment table by a deterministic column reduction
// split over rows (column_sums.cuh), the position table by one thread per (t, c) summing over b
// (few rows, heavy reuse: atomics there would serialize).
#include "column_sums.cuh"

namespace bn {
namespace {

__global__ void embedding_forward_kernel(float* output, const int* tokens, const int* segments, const float* token_table,
                                         const float* segment_table, const float* position_table, int T, int H,
                                         int64_t total) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        int64_t row = i / H;
        int c = static_cast<int>(i % H);
        int t = static_cast<int>(row % T);
        output[i] = token_table[static_cast<int64_t>(tokens[row]) * H + c] +
                    segment_table[static_cast<int64_t>(segments[row]) * H + c] +
                    position_table[static_cast<int64_t>(t) * H + c];
    }
}

__global__ void token_backward_kernel(float* dtoken_table, const float* doutput, const int* tokens, int H, int64_t total) {
    for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<int64_t>(gridDim.x) * blockDim.x)
        atomicAdd(&dtoken_table[static_cast<int64_t>(tokens[i / H]) * H + i % H], doutput[i]);
}

// dsegment_table[0, c] and [1, c] += doutput[row, c] summed over the rows of segment 0 and 1.
struct SegmentTerm {
    const float* doutput;
    const int* segments;
    int H;
    __device__ void operator()(int row, int c, float* sums) const {
        float d = doutput[static_cast<int64_t>(row) * H + c];
        if (segments[row] == 0) sums[0] += d; else sums[1] += d;
    }
};

// One thread per (t, c): dposition[t,c] += sum over b of doutput[b,t,c].
__global__ void position_backward_kernel(float* dposition_table, const float* doutput, int B, int T, int H) {
    int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
    if (i >= static_cast<int64_t>(T) * H) return;
    float sum = 0.0f;
    for (int b = 0; b < B; b++) sum += doutput[static_cast<int64_t>(b) * T * H + i];
    dposition_table[i] += sum;
}

}  // namespace

void embedding_forward(float* output, const int* tokens, const int* segments, const float* token_table,
                       const float* segment_table, const float* position_table, int B, int T, int H, cudaStream_t stream) {
    int64_t total = static_cast<int64_t>(B) * T * H;
    if (total == 0) return;
    BN_LAUNCH(embedding_forward_kernel, blocks_for(total, 256), 256, 0, stream, output, tokens, segments, token_table,
              segment_table, position_table, T, H, total);
}

void embedding_backward(bn_context* context, float* dtoken_table, float* dsegment_table, float* dposition_table, const float* doutput,
                        const int* tokens, const int* segments, int B, int T, int H, cudaStream_t stream) {
    int64_t total = static_cast<int64_t>(B) * T * H;
    if (total == 0) return;
    BN_LAUNCH(token_backward_kernel, blocks_for(total, 256), 256, 0, stream, dtoken_table, doutput, tokens, H, total);
    column_sums<2>(context, ColumnOutputs<2>{{dsegment_table, dsegment_table + H}}, B * T, H, SegmentTerm{doutput, segments, H}, stream);
    if (dposition_table)
        BN_LAUNCH(position_backward_kernel, blocks_for(static_cast<int64_t>(T) * H, 256), 256, 0, stream, dposition_table, doutput, B, T, H);
}

}  // namespace bn

extern "C" {

int bn_embedding_forward(float* output, const int* tokens, const int* segments, const float* token_table,
                         const float* segment_table, const float* position_table, int B, int T, int H, void* stream) {
    return bn::guard_op("bn_embedding_forward", [&] {
        bn::require(output && tokens && segments && token_table && segment_table && position_table, "embedding forward pointers");
        bn::require(B >= 0 && T >= 0 && H >= 0, "embedding forward sizes");
        bn::embedding_forward(output, tokens, segments, token_table, segment_table, position_table, B, T, H, bn::as_stream(stream));
    });
}

int bn_embedding_backward(bn_context* context, float* dtoken_table, float* dsegment_table, float* dposition_table, const float* doutput,
                          const int* tokens, const int* segments, int B, int T, int H, void* stream) {
    return bn::guard_op("bn_embedding_backward", [&] {
        bn::require(context && dtoken_table && dsegment_table && doutput && tokens && segments, "embedding backward pointers");
        bn::require(B >= 0 && T >= 0 && H >= 0, "embedding backward sizes");
        bn::embedding_backward(context, dtoken_table, dsegment_table, dposition_table, doutput, tokens, segments, B, T, H,
                               bn::as_stream(stream));
    });
}

}  // extern "C"
