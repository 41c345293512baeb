using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The fused QKV projection of an encoder layer: [N, H] x [3H, H]^T.</summary>
public partial class OpBenchmarks
{
    FloatView qkvInput, qkvWeight, qkvBias, qkvOutput, qkvDOutput, qkvDInput, qkvDWeight, qkvDBias;

    [GlobalSetup(Targets = [nameof(QkvMatmulForward), nameof(QkvMatmulBackward)])]
    public void SetupQkvMatmul()
    {
        Open();
        qkvInput = RandomFloats((long)N * H);
        qkvWeight = RandomFloats(3 * H * H, 0.09f);
        qkvBias = RandomFloats(3 * H, 0.09f);
        qkvOutput = backend.AllocateFloats((long)N * 3 * H);
        qkvDOutput = RandomFloats((long)N * 3 * H, 1e-3f);
        qkvDInput = backend.AllocateFloats((long)N * H);
        qkvDWeight = backend.AllocateFloats(3 * H * H);
        qkvDBias = backend.AllocateFloats(3 * H);
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void QkvMatmulForward()
    {
        backend.MatmulForward(qkvOutput, qkvInput, qkvWeight, qkvBias, N, H, 3 * H);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void QkvMatmulBackward()
    {
        backend.MatmulBackward(qkvDInput, false, qkvDWeight, qkvDBias, qkvDOutput, qkvInput, qkvWeight, N, H, 3 * H);
        backend.Synchronize();
    }
}
