using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The fused QKV projection of an encoder layer: [N, H] x [3H, H]^T.</summary>
public partial class OpBenchmarks
{
    FloatView _qkvInput, _qkvWeight, _qkvBias, _qkvOutput, _qkvDOutput, _qkvDInput, _qkvDWeight, _qkvDBias;

    [GlobalSetup(Targets = [nameof(QkvMatmulForward), nameof(QkvMatmulBackward)])]
    public void SetupQkvMatmul()
    {
        Open();
        _qkvInput = RandomFloats((long)N * H);
        _qkvWeight = RandomFloats(3 * H * H, 0.09f);
        _qkvBias = RandomFloats(3 * H, 0.09f);
        _qkvOutput = _backend.AllocateFloats((long)N * 3 * H);
        _qkvDOutput = RandomFloats((long)N * 3 * H, 1e-3f);
        _qkvDInput = _backend.AllocateFloats((long)N * H);
        _qkvDWeight = _backend.AllocateFloats(3 * H * H);
        _qkvDBias = _backend.AllocateFloats(3 * H);
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void QkvMatmulForward()
    {
        _backend.MatmulForward(_qkvOutput, _qkvInput, _qkvWeight, _qkvBias, N, H, 3 * H);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void QkvMatmulBackward()
    {
        _backend.MatmulBackward(_qkvDInput, false, _qkvDWeight, _qkvDBias, _qkvDOutput, _qkvInput, _qkvWeight, N, H, 3 * H);
        _backend.Synchronize();
    }
}
