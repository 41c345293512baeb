using BenchmarkDotNet.Attributes;
using BertNative.Bench.Backends;
using BertNative.Bench.Columns;
using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Bench.Ops;

/// <summary>
/// One benchmark per op family of <see cref="IBertOps"/> at the book's shapes (<see cref="BookShapes"/>), on every
/// available backend. Each family (one partial file) has its own setup, so a case allocates only what it uses.
/// Every benchmark ends with Synchronize: GPU backends queue work, and the time must include it.
/// </summary>
[ThroughputColumn]
public partial class OpBenchmarks
{
    IBackend _backend = null!;
    SeededRandom _rng = null!;

    public static IEnumerable<string> Backends() => BenchBackends.Available();

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "cpu";

    /// <summary>Each family's setup starts here: a fresh backend and the same random inputs every run.</summary>
    void Open()
    {
        _backend = BenchBackends.Create(Backend);
        _rng = new SeededRandom(20_256);
    }

    [GlobalCleanup]
    public void Cleanup() => _backend.Dispose();

    /// <summary>A buffer of uniform values in [-scale, scale).</summary>
    FloatView RandomFloats(long count, float scale = 1f)
    {
        var values = new float[count];
        foreach (ref float v in values.AsSpan()) v = (float)((2 * _rng.NextDouble() - 1) * scale);
        var view = _backend.AllocateFloats(count);
        _backend.Upload(view, values);
        return view;
    }

    /// <summary>A buffer of uniform ints in [low, high).</summary>
    IntView RandomInts(long count, int low, int high)
    {
        var values = new int[count];
        foreach (ref int v in values.AsSpan()) v = low + _rng.NextInt(high - low);
        var view = _backend.AllocateInts(count);
        _backend.Upload(view, values);
        return view;
    }

    /// <summary>Valid lengths as WikiText-2 pairs have them, roughly: uniform in [20, T].</summary>
    IntView RandomValidLens() => RandomInts(BookShapes.B, 20, BookShapes.T + 1);

    /// <summary>The dropout of a training step (the book's p = 0.2), at a fixed key.</summary>
    static Dropout TrainingDropout(int site) => Dropout.For(BookShapes.DropoutP, seed: 1, step: 1, site);
}
