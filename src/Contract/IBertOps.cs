namespace BertNative.Contract;

/// <summary>
/// Every op BERT pretraining needs, as forward/backward pairs over device views plus int dimensions.
/// The cpu backend is the reference; cuda and ilgpu implement the same contract and are tested against it.
///
/// Conventions (as in llm.c):
/// - Matrices are row-major. A linear layer's weight is [out, in] (PyTorch's layout): y = x W^T + b.
/// - Parameter gradients ACCUMULATE (+=): the model zeroes the whole gradient buffer once per step.
/// - Activation gradients are WRITTEN (=), unless a flag says accumulate.
/// - B batch, T sequence length, H hidden, V vocabulary, P prediction slots, N rows (often B*T), C columns.
/// - Shapes are given in brackets after each parameter.
/// - Aliasing: an op may write in place only where its doc says so. Every backend also allows
///   LayerNormBackward's dinput to alias doutput, and ResidualLayerNormForward's residual to alias a or b.
/// - Scratch memory an op needs beyond its arguments is the backend's own, allocated on first use and reused.
/// </summary>
public interface IBertOps
{
    // ---- Embeddings: token + segment + position, summed ----

    /// <summary>output[b,t,:] = tokenTable[tokens[b,t]] + segmentTable[segments[b,t]] + positionTable[t]. The segment table
    /// may have more than two rows (a Hugging Face type vocabulary): segments index any of them.</summary>
    /// <param name="output">[B,T,H]</param><param name="tokens">[B,T]</param><param name="segments">[B,T], each in [0,S)</param>
    /// <param name="tokenTable">[V,H]</param><param name="segmentTable">[S>=2,H]</param><param name="positionTable">[>=T,H]</param>
    void EmbeddingForward(FloatView output, IntView tokens, IntView segments,
        FloatView tokenTable, FloatView segmentTable, FloatView positionTable, int B, int T, int H);

    /// <summary>Scatter-adds doutput into the tables' gradients (+=). A null position gradient means the
    /// positional table is frozen (the book's PyTorch defect). Segments are 0 or 1 here (pretraining's two sentences):
    /// only the first two rows of a larger segment table get gradients.</summary>
    /// <param name="dTokenTable">[V,H] +=</param><param name="dSegmentTable">[2,H] +=</param><param name="dPositionTable">[>=T,H] += or null</param>
    /// <param name="doutput">[B,T,H]</param>
    void EmbeddingBackward(FloatView dTokenTable, FloatView dSegmentTable, FloatView? dPositionTable,
        FloatView doutput, IntView tokens, IntView segments, int B, int T, int H);

    // ---- Linear layers ----

    /// <summary>output = input weight^T (+ bias).</summary>
    /// <param name="output">[N,O]</param><param name="input">[N,I]</param><param name="weight">[O,I]</param><param name="bias">[O] or null</param>
    void MatmulForward(FloatView output, FloatView input, FloatView weight, FloatView? bias, int N, int I, int O);

    /// <summary>dinput (= or += when <paramref name="accumulateInput"/>) = doutput weight; dweight += doutput^T input;
    /// dbias += column sums of doutput. A null dinput skips that product.</summary>
    /// <param name="dinput">[N,I] or null</param><param name="dweight">[O,I] +=</param><param name="dbias">[O] += or null</param>
    /// <param name="doutput">[N,O]</param><param name="input">[N,I]</param><param name="weight">[O,I]</param>
    void MatmulBackward(FloatView? dinput, bool accumulateInput, FloatView dweight, FloatView? dbias,
        FloatView doutput, FloatView input, FloatView weight, int N, int I, int O);

    // ---- Multi-head self-attention core (after the fused QKV projection, before W_o) ----

    /// <summary>
    /// For each batch b and head h (head size d = H/heads): scores = Q K^T / sqrt(d); keys j &gt;= validLens[b]
    /// and, with a <paramref name="keyMask"/>, keys whose keyMask[b*T + j] is 0 are set to -1e6 (so their probability
    /// is exactly 0: every example must keep at least one key); probs = softmax(scores) (saved for backward);
    /// output = dropout(probs) V, heads merged. The backward needs no mask: masked keys have probability 0.
    /// Padded queries (rows i &gt;= validLens[b]) are not computed: their probs and output rows are 0 and they
    /// pass no gradient (the model never reads them; the spec's "computed but unused" rows).
    /// qkv[b,t,:] holds Q (H floats), then K (H), then V (H); head h uses columns [h*d, (h+1)*d) of each.
    /// Dropout element index = ((b*heads + h)*T + i)*T + j.
    /// </summary>
    /// <param name="output">[B,T,H]</param><param name="probs">[B,heads,T,T] written</param><param name="qkv">[B,T,3H]</param>
    /// <param name="validLens">[B], each in [1,T]</param>
    /// <param name="keyMask">[B,T] of 0 (masked) and 1, or null: Hugging Face's attention_mask over the keys, any pattern (left padding, holes)</param>
    void AttentionForward(FloatView output, FloatView probs, FloatView qkv, IntView validLens, IntView? keyMask,
        int B, int T, int H, int heads, Dropout dropout);

    /// <summary>dqkv (=) from doutput, given the forward's qkv and probs and the same dropout.</summary>
    /// <param name="dqkv">[B,T,3H]</param><param name="doutput">[B,T,H]</param>
    void AttentionBackward(FloatView dqkv, FloatView doutput, FloatView qkv, FloatView probs, IntView validLens,
        int B, int T, int H, int heads, Dropout dropout);

    // ---- LayerNorm (biased variance), optionally fused with the residual add ----

    /// <summary>output = LN(input) * gamma + beta over the last dimension; mean and rstd saved for backward.</summary>
    /// <param name="output">[N,C]</param><param name="mean">[N]</param><param name="rstd">[N]</param><param name="input">[N,C]</param>
    /// <param name="gamma">[C]</param><param name="beta">[C]</param>
    void LayerNormForward(FloatView output, FloatView mean, FloatView rstd, FloatView input,
        FloatView gamma, FloatView beta, int N, int C, float epsilon);

    /// <summary>residual = a + dropout(b); output = LN(residual) (the post-LN block's "dropout, add &amp; norm" in one op).
    /// residual is kept for backward; b is not changed. Dropout element index = n*C + c, as DropoutForward over
    /// the [N,C] b would use, so backward is LayerNormBackward then DropoutBackward with the same dropout.</summary>
    /// <param name="residual">[N,C] written</param><param name="a">[N,C]</param><param name="b">[N,C]</param>
    void ResidualLayerNormForward(FloatView output, FloatView residual, FloatView mean, FloatView rstd,
        FloatView a, FloatView b, FloatView gamma, FloatView beta, int N, int C, float epsilon, Dropout dropout);

    /// <summary>dinput (=) = d LN / d input; dgamma += ; dbeta += . For the residual form, input is the saved residual
    /// and dinput is the gradient of both summands.</summary>
    /// <param name="dinput">[N,C]</param><param name="dgamma">[C] +=</param><param name="dbeta">[C] +=</param>
    /// <param name="doutput">[N,C]</param><param name="input">[N,C]</param>
    void LayerNormBackward(FloatView dinput, FloatView dgamma, FloatView dbeta, FloatView doutput,
        FloatView input, FloatView gamma, FloatView mean, FloatView rstd, int N, int C);

    // ---- Elementwise ----

    /// <summary>output = f(input). May run in place.</summary>
    void ActivationForward(Activation activation, FloatView output, FloatView input, long n);

    /// <summary>dinput (=) = doutput * f'(x), where f' reads input (ReLU, GELU) or output (tanh). dinput may alias doutput.</summary>
    void ActivationBackward(Activation activation, FloatView dinput, FloatView doutput, FloatView input, FloatView output, long n);

    /// <summary>output = keep(i) ? input * scale : 0 (inverted dropout). May run in place. Identity when inactive.</summary>
    void DropoutForward(FloatView output, FloatView input, long n, Dropout dropout);

    /// <summary>dinput (=) = keep(i) ? doutput * scale : 0. May run in place.</summary>
    void DropoutBackward(FloatView dinput, FloatView doutput, long n, Dropout dropout);

    // ---- Gather of rows (MLM positions; the <cls> row with positions all 0) ----

    /// <summary>output[b,p,:] = input[b, positions[b,p], :].</summary>
    /// <param name="output">[B,P,C]</param><param name="input">[B,T,C]</param><param name="positions">[B,P], each in [0,T)</param>
    void GatherForward(FloatView output, FloatView input, IntView positions, int B, int T, int P, int C);

    /// <summary>dinput[b, positions[b,p], :] += doutput[b,p,:] (repeated positions add up).</summary>
    void GatherBackward(FloatView dinput, FloatView doutput, IntView positions, int B, int T, int P, int C);

    // ---- Loss ----

    /// <summary>
    /// Fused softmax + cross-entropy. losses[i] = -log softmax(logits[i])[labels[i]] (unweighted);
    /// when dlogits is given, dlogits[i,:] = (softmax(logits[i]) - onehot(labels[i])) * weights[i] * gradScale
    /// (weights null = all 1). dlogits may alias logits (it then overwrites them).
    /// </summary>
    /// <param name="losses">[N]</param><param name="dlogits">[N,C] or null</param><param name="logits">[N,C]</param>
    /// <param name="labels">[N], each in [0,C)</param><param name="weights">[N] or null</param>
    void SoftmaxCrossEntropy(FloatView losses, FloatView? dlogits, FloatView logits, IntView labels,
        FloatView? weights, float gradScale, int N, int C);

    // ---- Reductions (results stay on the device: no sync inside a step) ----

    /// <summary>result[0] = sum_i values[i] * weights[i] (weights null = all 1), accumulated in double or pairwise.</summary>
    /// <param name="result">[1]</param><param name="values">[n]</param><param name="weights">[n] or null</param>
    void WeightedSum(FloatView result, FloatView values, FloatView? weights, long n);

    /// <summary>result[0] = sum_i values[i]^2 (for the global gradient norm).</summary>
    void SumOfSquares(FloatView result, FloatView values, long n);

    // ---- Optimizer ----

    /// <summary>One AdamW step over a contiguous parameter buffer, t = 1 for the first step (bias correction).
    /// g = scale * grad; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    /// p -= lr * (wd * p + (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)).</summary>
    /// <param name="parameters">[n]</param><param name="gradients">[n]</param><param name="m">[n]</param><param name="v">[n]</param>
    void AdamStep(FloatView parameters, FloatView gradients, FloatView m, FloatView v, long n, AdamSettings settings, int t);
}
