using BertNative.Contract;
using ILGPU;
using ILGPU.Runtime;

namespace BertNative.Ilgpu.Kernels;

/// <summary>Activations and dropout, one thread per element. Activation gradients are written (=);
/// every op may run in place (each thread reads its element before writing it).</summary>
internal sealed class ElementwiseKernels
{
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, int> _activationForward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _activationBackward;
    private readonly Action<AcceleratorStream, Index1D, ArrayView<float>, ArrayView<float>, DropoutArgs> _dropout;

    public ElementwiseKernels(Accelerator accelerator)
    {
        _activationForward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(ActivationForwardKernel);
        _activationBackward = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(ActivationBackwardKernel);
        _dropout = accelerator.LoadAutoGroupedKernel<Index1D, ArrayView<float>, ArrayView<float>, DropoutArgs>(DropoutKernel);
    }

    internal readonly record struct DropoutArgs(ulong Key, uint Threshold, float Scale);

    private static void ActivationForwardKernel(Index1D i, ArrayView<float> output, ArrayView<float> input, int activation)
    {
        float x = input[i];
        output[i] = activation switch
        {
            (int)Activation.Relu => x > 0f ? x : 0f,
            (int)Activation.Gelu => DeviceMath.Gelu(x),
            _ => DeviceMath.Tanh(x),
        };
    }

    private static void ActivationBackwardKernel(Index1D i, ArrayView<float> dinput, ArrayView<float> doutput,
        ArrayView<float> input, ArrayView<float> output, int activation)
    {
        float dy = doutput[i];
        if (activation == (int)Activation.Relu) dinput[i] = input[i] > 0f ? dy : 0f;
        else if (activation == (int)Activation.Gelu) dinput[i] = dy * DeviceMath.GeluDerivative(input[i]);
        else
        {
            float y = output[i];
            dinput[i] = dy * ((1f - y) * (1f + y)); // 1 - y*y would cancel as |y| nears 1
        }
    }

    private static void DropoutKernel(Index1D i, ArrayView<float> output, ArrayView<float> input, DropoutArgs args)
        => output[i] = DeviceMath.Drop(input[i], args.Key, args.Threshold, args.Scale, i);

    public void ActivationForward(AcceleratorStream stream, Activation activation, ArrayView<float> output, ArrayView<float> input, long n)
    {
        if (n > 0) _activationForward(stream, LaunchShape.Count(n), output, input, (int)activation);
    }

    public void ActivationBackward(AcceleratorStream stream, Activation activation, ArrayView<float> dinput, ArrayView<float> doutput,
        ArrayView<float> input, ArrayView<float> output, long n)
    {
        if (n > 0) _activationBackward(stream, LaunchShape.Count(n), dinput, doutput, input, output, (int)activation);
    }

    /// <summary>output = dropout(input), element index counted from the views' start. The caller handles inactive dropout.</summary>
    public void Dropout(AcceleratorStream stream, ArrayView<float> output, ArrayView<float> input, long n, Dropout d)
    {
        if (n > 0) _dropout(stream, LaunchShape.Count(n), output, input, new DropoutArgs(d.Key, d.Threshold, d.Scale));
    }
}
