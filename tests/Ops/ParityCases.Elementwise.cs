using BertNative.Contract;
using BertNative.Tests.Reference;

namespace BertNative.Tests.Ops;

// Activations, dropout and gather: small sizes, plus sizes big enough to be split over threads.
public static partial class ParityCases
{
    private static IEnumerable<ParityCase> Elementwise()
    {
        foreach (int n in new[] { 224, 40_013 })
        {
            foreach (var activation in Enum.GetValues<Activation>())
            {
                yield return new($"ActivationForward {activation} n{n}", o => ActivationForward(o, activation, n, inPlace: false));
                yield return new($"ActivationBackward {activation} n{n}", o => ActivationBackward(o, activation, n, inPlace: false));
            }
            yield return new($"DropoutForward n{n}", o => DropoutOp(o, n, 0.2f, backward: false, inPlace: false));
            yield return new($"DropoutBackward n{n}", o => DropoutOp(o, n, 0.2f, backward: true, inPlace: false));
        }
        yield return new("ActivationForward Gelu in place", o => ActivationForward(o, Activation.Gelu, 1000, inPlace: true));
        yield return new("ActivationBackward Relu in place", o => ActivationBackward(o, Activation.Relu, 1000, inPlace: true));
        yield return new("DropoutForward in place", o => DropoutOp(o, 1000, 0.5f, backward: false, inPlace: true));
        yield return new("DropoutForward inactive", o => DropoutOp(o, 1000, 0f, backward: false, inPlace: false));
        yield return new("DropoutBackward inactive in place", o => DropoutOp(o, 1000, 0f, backward: true, inPlace: true));
        foreach (var s in LayerShape.All)
        {
            yield return new($"GatherForward {s}", o => Gather(o, s, backward: false));
            yield return new($"GatherBackward repeated positions {s}", o => Gather(o, s, backward: true));
        }
    }

    private static double[] ActivationInputs(OpSession o, Activation activation, int n)
        // ReLU's derivative is compared away from its kink: the reference's and the backend's x would round differently.
        => [.. o.Floats(n, 4).Select(v => activation == Activation.Relu && Math.Abs(v) < 1e-3 ? 0.5 : v)];

    private static void ActivationForward(OpSession o, Activation activation, int n, bool inPlace)
    {
        double[] x = ActivationInputs(o, activation, n), expected = new double[n];
        ReferenceOps.ActivationForward(activation, expected, x, n);
        var input = o.Upload(x);
        var output = inPlace ? input : o.Poisoned(n);
        o.Backend.ActivationForward(activation, output, input, n);
        o.Check("output", expected, output);
    }

    private static void ActivationBackward(OpSession o, Activation activation, int n, bool inPlace)
    {
        double[] x = ActivationInputs(o, activation, n), y = new double[n], up = o.Floats(n), expected = new double[n];
        ReferenceOps.ActivationForward(activation, y, x, n);
        y = [.. y.Select(v => (double)(float)v)];
        ReferenceOps.ActivationBackward(activation, expected, up, x, y, n);
        var dout = o.Upload(up);
        var dinput = inPlace ? dout : o.Poisoned(n);
        o.Backend.ActivationBackward(activation, dinput, dout, o.Upload(x), o.Upload(y), n);
        o.Check("dinput", expected, dinput);
    }

    private static void DropoutOp(OpSession o, int n, float p, bool backward, bool inPlace)
    {
        var dropout = p == 0 ? Dropout.None : Dropout.For(p, 99, 3, 4);
        double[] x = o.Floats(n), expected = new double[n];
        if (backward) ReferenceOps.DropoutBackward(expected, x, n, dropout);
        else ReferenceOps.DropoutForward(expected, x, n, dropout);
        var input = o.Upload(x);
        var output = inPlace ? input : o.Poisoned(n);
        if (backward) o.Backend.DropoutBackward(output, input, n, dropout);
        else o.Backend.DropoutForward(output, input, n, dropout);
        o.Check("output", expected, output);
    }

    private static void Gather(OpSession o, LayerShape s, bool backward)
    {
        const int P = 5;
        int C = s.H;
        // Repeats, and position 0 (the padding slots and the <cls> row).
        int[] positions = [.. Enumerable.Range(0, s.B * P).Select(i => i % P == 4 ? 0 : i % P == 3 ? 1 : o.Random.Next(s.T))];
        positions[1] = positions[2];
        if (backward)
        {
            double[] up = o.Floats(s.B * P * C), dx = o.Floats(s.N * C);
            var dxView = o.Upload(dx);
            ReferenceOps.GatherBackward(dx, up, positions, s.B, s.T, P, C);
            o.Backend.GatherBackward(dxView, o.Upload(up), o.Upload(positions), s.B, s.T, P, C);
            o.Check("dinput", dx, dxView);
        }
        else
        {
            double[] x = o.Floats(s.N * C), expected = new double[s.B * P * C];
            ReferenceOps.GatherForward(expected, x, positions, s.B, s.T, P, C);
            var output = o.Poisoned(expected.Length);
            o.Backend.GatherForward(output, o.Upload(x), o.Upload(positions), s.B, s.T, P, C);
            o.Check("output", expected, output);
        }
    }
}
