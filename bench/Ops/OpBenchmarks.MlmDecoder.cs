using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The MLM decoder, the step's largest GEMM: R real rows x H onto the V-word vocabulary.</summary>
public partial class OpBenchmarks
{
    FloatView _decoderInput, _decoderWeight, _decoderBias, _decoderLogits, _decoderDInput, _decoderDWeight, _decoderDBias;

    [GlobalSetup(Targets = [nameof(MlmDecoderForward), nameof(MlmDecoderBackward)])]
    public void SetupMlmDecoder()
    {
        Open();
        _decoderInput = RandomFloats((long)R * H);
        _decoderWeight = RandomFloats((long)V * H, 0.09f);
        _decoderBias = RandomFloats(V, 0.09f);
        // The forward writes logits; the backward reads them as dlogits, as the fused loss leaves them in a step.
        _decoderLogits = RandomFloats((long)R * V, 1e-5f);
        _decoderDInput = _backend.AllocateFloats((long)R * H);
        _decoderDWeight = _backend.AllocateFloats((long)V * H);
        _decoderDBias = _backend.AllocateFloats(V);
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void MlmDecoderForward()
    {
        _backend.MatmulForward(_decoderLogits, _decoderInput, _decoderWeight, _decoderBias, R, H, V);
        _backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void MlmDecoderBackward()
    {
        _backend.MatmulBackward(_decoderDInput, false, _decoderDWeight, _decoderDBias, _decoderLogits, _decoderInput, _decoderWeight, R, H, V);
        _backend.Synchronize();
    }
}
