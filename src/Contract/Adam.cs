namespace BertNative.Contract;

/// <summary>AdamW hyper-parameters in PyTorch's bias-corrected form (torch.optim.AdamW): the weight decay is
/// decoupled (p -= lr * wd * p, not added to the gradient; 0 gives plain Adam), and the gradient is first
/// multiplied by <see cref="GradientScale"/> (global-norm clipping; 1 leaves it as it is).</summary>
public readonly record struct AdamSettings(float LearningRate, float Beta1 = 0.9f, float Beta2 = 0.999f, float Epsilon = 1e-8f,
    float WeightDecay = 0f, float GradientScale = 1f);
