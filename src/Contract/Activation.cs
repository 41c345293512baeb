namespace BertNative.Contract;

/// <summary>Elementwise nonlinearities. GELU is the exact erf form (PyTorch's nn.GELU default).</summary>
public enum Activation
{
    Relu,
    Gelu,
    Tanh,
}
