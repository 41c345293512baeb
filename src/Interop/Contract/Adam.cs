namespace BertNative.Interop;

/// <summary>Adam hyper-parameters in PyTorch's bias-corrected form (torch.optim.Adam, L2 weight decay folded into the gradient).</summary>
public readonly record struct AdamSettings(float LearningRate, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f, float WeightDecay = 0f);
