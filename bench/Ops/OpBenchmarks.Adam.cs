using BenchmarkDotNet.Attributes;
using BertNative.Contract;
using static BertNative.Bench.Ops.BookShapes;

namespace BertNative.Bench.Ops;

/// <summary>One Adam step over every parameter of the book's model, as one contiguous buffer.</summary>
public partial class OpBenchmarks
{
    FloatView _adamParameters, _adamGradients, _adamM, _adamV;
    static readonly AdamSettings Adam = new(LearningRate: 0.01f);

    [GlobalSetup(Target = nameof(AdamStep))]
    public void SetupAdam()
    {
        Open();
        _adamParameters = RandomFloats(Parameters);
        _adamGradients = RandomFloats(Parameters, 1e-3f);
        _adamM = _backend.AllocateFloats(Parameters);
        _adamV = _backend.AllocateFloats(Parameters);
    }

    [Benchmark, BenchmarkCategory("optimizer")]
    public void AdamStep()
    {
        _backend.AdamStep(_adamParameters, _adamGradients, _adamM, _adamV, Parameters, Adam, t: 1);
        _backend.Synchronize();
    }
}
