using BertNative.Ilgpu;
using BertNative.Interop;

namespace BertNative.Tests.Ilgpu;

public sealed class ElementwiseTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    private static double Forward(Activation a, double x) => a switch
    {
        Activation.Relu => Math.Max(x, 0),
        Activation.Gelu => Erf64.Gelu(x),
        _ => Math.Tanh(x),
    };

    private static double Derivative(Activation a, double x) => a switch
    {
        Activation.Relu => x > 0 ? 1 : 0,
        Activation.Gelu => Erf64.GeluDerivative(x),
        _ => 1 - Math.Tanh(x) * Math.Tanh(x),
    };

    [Test]
    public void ActivationForwardAndBackward([Values] Activation activation, [Values(1, 37)] int n)
    {
        var x = DeviceArrays.Random(n, scale: 4);
        var dy = DeviceArrays.Random(n);
        var input = Backend.Upload(x);
        var output = Backend.Poisoned(n);
        var dinput = Backend.Poisoned(n);
        Backend.ActivationForward(activation, output, input, n);
        Backend.ActivationBackward(activation, dinput, Backend.Upload(dy), input, output, n);

        DeviceArrays.AssertClose(Backend.Read(output), Array.ConvertAll(x, v => Forward(activation, v)), "output");
        // tanh' reads the float output, so allow its rounding.
        DeviceArrays.AssertClose(Backend.Read(dinput), [.. x.Select((v, i) => dy[i] * Derivative(activation, v))], "dinput", absolute: 1e-6);
    }

    [Test]
    public void ActivationsRunInPlace([Values] Activation activation)
    {
        var x = DeviceArrays.Random(19, scale: 3);
        var dy = DeviceArrays.Random(19);
        var values = Backend.Upload(x);
        var grads = Backend.Upload(dy);
        var input = Backend.Upload(x);
        Backend.ActivationForward(activation, values, values, 19);
        Backend.ActivationBackward(activation, grads, grads, input, values, 19);
        DeviceArrays.AssertClose(Backend.Read(values), Array.ConvertAll(x, v => Forward(activation, v)), "output");
        DeviceArrays.AssertClose(Backend.Read(grads), [.. x.Select((v, i) => dy[i] * Derivative(activation, v))], "dinput", absolute: 1e-6);
    }

    [Test]
    public void DropoutMatchesTheSharedMaskBitForBit([Values(0.1f, 0.5f)] float p, [Values] bool inPlace)
    {
        const int n = 301;
        var d = Dropout.For(p, seed: (ulong)TestContext.CurrentContext.Random.NextLong(), step: 7, site: 3);
        var x = DeviceArrays.Random(n);
        var expected = x.Select((v, i) => DropoutRng.Keep(d, i) ? v * d.Scale : 0f).ToArray();

        var input = Backend.Upload(x);
        var output = inPlace ? input : Backend.Poisoned(n);
        Backend.DropoutForward(output, input, n, d);
        Assert.That(Backend.Read(output), Is.EqualTo(expected));

        var grads = Backend.Upload(x);
        var dinput = inPlace ? grads : Backend.Poisoned(n);
        Backend.DropoutBackward(dinput, grads, n, d);
        Assert.That(Backend.Read(dinput), Is.EqualTo(expected));
    }

    [Test]
    public void InactiveDropoutIsTheIdentity()
    {
        var x = DeviceArrays.Random(9);
        var output = Backend.Poisoned(9);
        Backend.DropoutForward(output, Backend.Upload(x), 9, Dropout.None);
        Assert.That(Backend.Read(output), Is.EqualTo(x));
    }
}
