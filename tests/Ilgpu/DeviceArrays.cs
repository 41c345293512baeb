using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

/// <summary>Host-side helpers for op tests: fresh random inputs, NaN-poisoned outputs, downloads, and a
/// tolerance check against a float64 reference in which NaN never passes.</summary>
internal static class DeviceArrays
{
    public static float[] Random(int n, double scale = 1.0)
    {
        var random = TestContext.CurrentContext.Random;
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }

    public static int[] RandomInts(int n, int below)
    {
        var random = TestContext.CurrentContext.Random;
        var values = new int[n];
        for (int i = 0; i < n; i++) values[i] = random.Next(below);
        return values;
    }

    public static FloatView Upload(this IBackend backend, float[] values)
    {
        var view = backend.AllocateFloats(values.Length);
        backend.Upload(view, values);
        return view;
    }

    public static IntView Upload(this IBackend backend, int[] values)
    {
        var view = backend.AllocateInts(values.Length);
        backend.Upload(view, values);
        return view;
    }

    /// <summary>An output buffer full of NaN, so an element the op forgets to write fails the comparison.</summary>
    public static FloatView Poisoned(this IBackend backend, int n)
    {
        var values = new float[n];
        Array.Fill(values, float.NaN);
        return backend.Upload(values);
    }

    public static float[] Read(this IBackend backend, FloatView view)
    {
        var values = new float[view.Count];
        backend.Download(view, values);
        return values;
    }

    public static void AssertClose(float[] actual, double[] expected, string what, double relative = 1e-4, double absolute = 1e-5)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= absolute + relative * Math.Abs(expected[i])))
                Assert.Fail($"{what}[{i}] = {actual[i]}, expected {expected[i]} (error {error:E2})");
        }
    }

    public static double[] ToDouble(this float[] values) => Array.ConvertAll(values, v => (double)v);
}
