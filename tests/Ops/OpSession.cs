using BertNative.Contract;

namespace BertNative.Tests.Ops;

/// <summary>
/// One parity case's buffers on one backend: random float32-representable inputs (so the float64 reference sees
/// exactly what the backend sees), NaN-poisoned outputs (an element the op forgets to write fails), and checks.
/// </summary>
public sealed class OpSession(IBackend backend, int seed) : IDisposable
{
    public const double DefaultTolerance = 1e-5;

    private readonly List<DeviceBuffer> _buffers = [];

    public IBackend Backend { get; } = backend;
    public Random Random { get; } = new(seed);

    /// <summary>Where each float view starts in its buffer: an odd offset exercises the unaligned paths.</summary>
    public int Offset { get; set; }

    /// <summary>Uniform in [-scale, scale), rounded to float.</summary>
    public double[] Floats(int n, double scale = 1)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (float)((Random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public int[] Ints(int n, int below) => [.. Enumerable.Range(0, n).Select(_ => Random.Next(below))];

    public FloatView Upload(double[] values)
    {
        var view = Allocate(values.Length);
        Backend.Upload(view, [.. values.Select(v => (float)v)]);
        return view;
    }

    public IntView Upload(int[] values)
    {
        var view = Backend.AllocateInts(values.Length);
        _buffers.Add(view.Buffer);
        Backend.Upload(view, values);
        return view;
    }

    /// <summary>An output buffer full of NaN.</summary>
    public FloatView Poisoned(long n)
    {
        var view = Allocate(n);
        Backend.Upload(view, Enumerable.Repeat(float.NaN, (int)n).ToArray());
        return view;
    }

    public double[] Download(FloatView view)
    {
        var values = new float[view.Count];
        Backend.Synchronize();
        Backend.Download(view, values);
        return [.. values.Select(v => (double)v)];
    }

    /// <summary>The backend's result equals the reference's: no NaN anywhere, and ||actual - expected|| &lt;= tolerance ||expected||.</summary>
    public void Check(string what, double[] expected, FloatView actual, double tolerance = DefaultTolerance, double normFloor = 1e-30)
        => ParityAssert.Close(what, expected, Download(actual), tolerance, normFloor);

    private FloatView Allocate(long n)
    {
        var whole = Backend.AllocateFloats(n + Offset);
        _buffers.Add(whole.Buffer);
        return whole.Slice(Offset, n);
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers) buffer.Dispose();
    }
}
