// Deterministic column reductions split over rows, for the parameter gradients that sum over
// every row (dbias, dgamma/dbeta, the segment table): one block per 32 columns alone leaves most
// SMs idle (24 blocks at H = 768 on 132 SMs). Pass 1 runs (column blocks) x (row chunks) blocks,
// each writing its chunk's partial sums to the context's scratch; pass 2 adds each column's
// partials in chunk order and accumulates (+=) into the destination. The chunk count depends only
// on the shape and the device's SM count, so a given GPU always adds in the same order.
#pragma once

#include "context.cuh"

namespace bn {

template <int kSums>
struct ColumnOutputs {
    float* sums[kSums];
};

// Block (32, 32): x picks the column, y strides the chunk's rows; a shared-memory tree adds the 32
// partials per column. Term(row, column, float* sums) adds that element's terms into sums[0..kSums).
template <int kSums, typename Term>
__global__ void column_partials_kernel(float* partials, int rows, int cols, int rows_per_chunk, Term term) {
    __shared__ float partial[kSums][32][33];
    int c = blockIdx.x * 32 + threadIdx.x;
    int first = blockIdx.y * rows_per_chunk, end = min(rows, first + rows_per_chunk);
    float sums[kSums];
    for (int s = 0; s < kSums; s++) sums[s] = 0.0f;
    if (c < cols)
        for (int row = first + threadIdx.y; row < end; row += 32) term(row, c, sums);
    for (int s = 0; s < kSums; s++) partial[s][threadIdx.y][threadIdx.x] = sums[s];
    __syncthreads();
    for (int half = 16; half > 0; half >>= 1) {
        if (threadIdx.y < half)
            for (int s = 0; s < kSums; s++) partial[s][threadIdx.y][threadIdx.x] += partial[s][threadIdx.y + half][threadIdx.x];
        __syncthreads();
    }
    if (threadIdx.y == 0 && c < cols)
        for (int s = 0; s < kSums; s++)
            partials[(static_cast<int64_t>(s) * gridDim.y + blockIdx.y) * cols + c] = partial[s][0][threadIdx.x];
}

template <int kSums>
__global__ void column_finish_kernel(ColumnOutputs<kSums> out, const float* partials, int chunks, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= cols) return;
    for (int s = 0; s < kSums; s++) {
        float sum = 0.0f;
        for (int chunk = 0; chunk < chunks; chunk++) sum += partials[(static_cast<int64_t>(s) * chunks + chunk) * cols + c];
        out.sums[s][c] += sum;
    }
}

// Row chunks (each at least 32 rows) so that the first pass has about two blocks per SM.
inline int column_chunks(int rows, int cols, int multiprocessors) {
    int column_blocks = (cols + 31) / 32;
    int wanted = (2 * multiprocessors + column_blocks - 1) / column_blocks;
    int most = (rows + 31) / 32;
    return wanted < 1 ? 1 : (wanted < most ? wanted : most);
}

template <int kSums, typename Term>
void column_sums(bn_context* context, ColumnOutputs<kSums> out, int rows, int cols, Term term, cudaStream_t stream) {
    if (rows <= 0 || cols <= 0) return;
    int chunks = column_chunks(rows, cols, context->multiprocessors);
    int rows_per_chunk = (rows + chunks - 1) / chunks;
    chunks = (rows + rows_per_chunk - 1) / rows_per_chunk;
    auto* partials = static_cast<float*>(scratch(context, sizeof(float) * kSums * static_cast<size_t>(chunks) * cols));
    BN_LAUNCH(column_partials_kernel<kSums>, dim3((cols + 31) / 32, chunks), dim3(32, 32), 0, stream, partials, rows, cols,
              rows_per_chunk, term);
    BN_LAUNCH(column_finish_kernel<kSums>, (cols + 255) / 256, 256, 0, stream, out, partials, chunks, cols);
}

}  // namespace bn
