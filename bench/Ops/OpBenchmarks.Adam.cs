using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>One Adam step over every parameter of the book's model, as one contiguous buffer.</summary>
public partial class OpBenchmarks
{
    FloatView adamParameters, adamGradients, adamM, adamV;
    static readonly AdamSettings Adam = new(LearningRate: 0.01f);

    [GlobalSetup(Target = nameof(AdamStep))]
    public void SetupAdam()
    {
        Open();
        adamParameters = RandomFloats(Parameters);
        adamGradients = RandomFloats(Parameters, 1e-3f);
        adamM = backend.AllocateFloats(Parameters);
        adamV = backend.AllocateFloats(Parameters);
    }

    [Benchmark, BenchmarkCategory("optimizer")]
    public void AdamStep()
    {
        backend.AdamStep(adamParameters, adamGradients, adamM, adamV, Parameters, Adam, t: 1);
        backend.Synchronize();
    }
}
