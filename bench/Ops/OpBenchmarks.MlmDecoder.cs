using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>The MLM decoder, the step's largest GEMM: R real rows x H onto the V-word vocabulary.</summary>
public partial class OpBenchmarks
{
    FloatView decoderInput, decoderWeight, decoderBias, decoderLogits, decoderDInput, decoderDWeight, decoderDBias;

    [GlobalSetup(Targets = [nameof(MlmDecoderForward), nameof(MlmDecoderBackward)])]
    public void SetupMlmDecoder()
    {
        Open();
        decoderInput = RandomFloats((long)R * H);
        decoderWeight = RandomFloats((long)V * H, 0.09f);
        decoderBias = RandomFloats(V, 0.09f);
        // The forward writes logits; the backward reads them as dlogits, as the fused loss leaves them in a step.
        decoderLogits = RandomFloats((long)R * V, 1e-5f);
        decoderDInput = backend.AllocateFloats((long)R * H);
        decoderDWeight = backend.AllocateFloats((long)V * H);
        decoderDBias = backend.AllocateFloats(V);
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void MlmDecoderForward()
    {
        backend.MatmulForward(decoderLogits, decoderInput, decoderWeight, decoderBias, R, H, V);
        backend.Synchronize();
    }

    [Benchmark, BenchmarkCategory("matmul")]
    public void MlmDecoderBackward()
    {
        backend.MatmulBackward(decoderDInput, false, decoderDWeight, decoderDBias, decoderLogits, decoderInput, decoderWeight, R, H, V);
        backend.Synchronize();
    }
}
