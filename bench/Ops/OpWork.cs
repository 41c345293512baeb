using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The work one call of an op does: floating-point operations (GEMM-like ops, shown as GFLOP/s)
/// or the bytes it must read plus write (memory-bound ops, shown as GB/s).</summary>
public readonly record struct OpWork(double Amount, bool IsFlops)
{
    static OpWork Flops(double flops) => new(flops, true);
    static OpWork Bytes(double floats, double ints = 0) => new((floats + ints) * 4, false);

    /// <summary>Per benchmark method of <see cref="OpBenchmarks"/>. Bytes count the compulsory traffic:
    /// each big array once, small tables (gamma, segment and position rows) left out.</summary>
    public static readonly IReadOnlyDictionary<string, OpWork> ByBenchmark = new Dictionary<string, OpWork>
    {
        // One GEMM is 2*M*N*K; a linear backward is two (dinput and dweight).
        [nameof(OpBenchmarks.QkvMatmulForward)] = Flops(2.0 * N * H * 3 * H),
        [nameof(OpBenchmarks.QkvMatmulBackward)] = Flops(4.0 * N * H * 3 * H),
        [nameof(OpBenchmarks.MlmDecoderForward)] = Flops(2.0 * R * H * V),
        [nameof(OpBenchmarks.MlmDecoderBackward)] = Flops(4.0 * R * H * V),
        // Q K^T and probs V forward; four such products backward.
        [nameof(OpBenchmarks.AttentionForward)] = Flops(4.0 * B * Heads * T * T * D),
        [nameof(OpBenchmarks.AttentionBackward)] = Flops(8.0 * B * Heads * T * T * D),
        // Reads a, b; writes output, residual; mean and rstd.
        [nameof(OpBenchmarks.ResidualLayerNormForward)] = Bytes(4.0 * N * H + 2.0 * N),
        // Reads doutput, input, mean, rstd; writes dinput.
        [nameof(OpBenchmarks.LayerNormBackward)] = Bytes(3.0 * N * H + 2.0 * N),
        [nameof(OpBenchmarks.ReluForward)] = Bytes(2.0 * N * F),
        // Reads doutput and input; writes dinput.
        [nameof(OpBenchmarks.ReluBackward)] = Bytes(3.0 * N * F),
        [nameof(OpBenchmarks.DropoutForward)] = Bytes(2.0 * N * H),
        // Reads token rows; writes output; reads token and segment ids.
        [nameof(OpBenchmarks.EmbeddingForward)] = Bytes(2.0 * N * H, 2.0 * N),
        // Reads doutput; read-modify-writes the token rows; reads ids.
        [nameof(OpBenchmarks.EmbeddingBackward)] = Bytes(3.0 * N * H, 2.0 * N),
        // Reads the logits, writes dlogits over them; labels and losses.
        [nameof(OpBenchmarks.SoftmaxCrossEntropy)] = Bytes(2.0 * R * V + R, R),
        // Reads parameters, gradients, m, v; writes parameters, m, v.
        [nameof(OpBenchmarks.AdamStep)] = Bytes(7.0 * Parameters),
        [nameof(OpBenchmarks.WeightedSum)] = Bytes(R + 1),
    };

    /// <summary>The rate at <paramref name="seconds"/> per call, with its unit.</summary>
    public string Rate(double seconds) => IsFlops
        ? $"{Amount / seconds / 1e9:N1} GFLOP/s"
        : $"{Amount / seconds / 1e9:N1} GB/s";
}
