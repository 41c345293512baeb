using BertNative.Contract;

namespace BertNative.Model;

/// <summary>What one encoder block keeps from forward for backward. N = B*T rows at most: packed rows
/// (valid tokens only) everywhere but in attention, which works on the padded [B,T] layout.</summary>
public sealed class LayerActivations(IDeviceMemory d, int N, int B, int T, BertConfig c)
{
    public readonly FloatView PaddedQkv = d.AllocateFloats((long)N * 3 * c.Hidden);      // [B,T,3H] zero at padding
    public readonly FloatView Probs = d.AllocateFloats((long)B * c.Heads * T * T);      // [B,heads,T,T]
    public readonly FloatView Attention = d.AllocateFloats((long)N * c.Hidden);         // [N,H] heads merged
    public readonly FloatView Residual1 = d.AllocateFloats((long)N * c.Hidden);         // [N,H] x + dropout(attn W_o)
    public readonly FloatView Mean1 = d.AllocateFloats(N), Rstd1 = d.AllocateFloats(N);
    public readonly FloatView Y = d.AllocateFloats((long)N * c.Hidden);                 // [N,H] LN1 output
    public readonly FloatView FfnPre = d.AllocateFloats((long)N * c.FfnHidden);         // [N,F] before the activation
    public readonly FloatView FfnAct = d.AllocateFloats((long)N * c.FfnHidden);         // [N,F] after it
    public readonly FloatView Residual2 = d.AllocateFloats((long)N * c.Hidden);         // [N,H] y + dropout(ffn)
    public readonly FloatView Mean2 = d.AllocateFloats(N), Rstd2 = d.AllocateFloats(N);
}

/// <summary>
/// Every device buffer a training step touches, allocated once for (capacity B, T) so that no
/// step allocates. R = B*P is the most MLM rows a batch can have.
///
/// The encoder runs on packed rows: only the valid tokens of each example, example after example
/// (row offset_b + t for t &lt; valid_len_b). Padded tokens never reach the loss (their keys are masked
/// and their outputs unused), so leaving them out is exact and saves about 30% of the encoder on
/// WikiText-2. Attention and the embedding lookup keep the padded [B,T] layout; two gathers move rows
/// between the layouts. Unpacking reads padding from a zero row kept at index <see cref="ZeroRow"/>
/// of the buffers it reads, so padded slots are exactly zero, in forward and in backward.
///
/// Row counts may be rounded up (<see cref="IBackend.RowMultiple"/>): the extra packed rows are packed
/// from the padded buffers' own zero row (same index) and the extra MLM rows have weight 0, so no gradient
/// flows through them and the losses ignore them.
/// </summary>
public sealed class BertActivations
{
    public BertActivations(IDeviceMemory d, BertConfig c, int capacity, int T, int P)
    {
        int N = capacity * T, H = c.Hidden, R = capacity * P;
        Capacity = capacity;
        SeqLen = T;
        PredictionSlots = P;

        ZeroRow = N;
        Tokens = d.AllocateInts(N);
        Segments = d.AllocateInts(N);
        ValidLens = d.AllocateInts(capacity);
        KeyMask = d.AllocateInts(N);
        MlmRows = d.AllocateInts(R);
        MlmLabels = d.AllocateInts(R);
        MlmWeights = d.AllocateFloats(R);
        ClsRows = d.AllocateInts(capacity);
        NspLabels = d.AllocateInts(capacity);
        PackRows = d.AllocateInts(N);
        UnpackRows = d.AllocateInts(N);

        X = [.. Enumerable.Range(0, c.Layers + 1).Select(_ => d.AllocateFloats((long)N * H))];
        if (c.EmbeddingLayerNorm)
        {
            EmbeddingSum = d.AllocateFloats((long)N * H);
            EmbeddingMean = d.AllocateFloats(N);
            EmbeddingRstd = d.AllocateFloats(N);
        }
        Layers = [.. Enumerable.Range(0, c.Layers).Select(_ => new LayerActivations(d, N, capacity, T, c))];
        Scratch = d.AllocateFloats((long)N * H);
        PaddedScratch = d.AllocateFloats((N + 1L) * H);
        Qkv = d.AllocateFloats((N + 1L) * 3 * H);

        MlmInput = d.AllocateFloats((long)R * H);
        MlmDense = d.AllocateFloats((long)R * H);
        MlmAct = d.AllocateFloats((long)R * H);
        MlmNorm = d.AllocateFloats((long)R * H);
        MlmMean = d.AllocateFloats(R);
        MlmRstd = d.AllocateFloats(R);
        Logits = d.AllocateFloats((long)R * c.VocabSize);
        MlmLosses = d.AllocateFloats(R);

        Cls = d.AllocateFloats((long)capacity * H);
        NspPre = d.AllocateFloats((long)capacity * H);
        NspHidden = d.AllocateFloats((long)capacity * H);
        NspLogits = d.AllocateFloats(capacity * 2L);
        NspLosses = d.AllocateFloats(capacity);
        LossSums = d.AllocateFloats(2);

        GradX = d.AllocateFloats((N + 1L) * H);
        GradY = d.AllocateFloats((N + 1L) * H);
        GradPaddedQkv = d.AllocateFloats((N + 1L) * 3 * H);
        GradQkv = d.AllocateFloats((long)N * 3 * H);
        GradFfn = d.AllocateFloats((long)N * c.FfnHidden);
        GradMlmA = d.AllocateFloats((long)R * H);
        GradMlmB = d.AllocateFloats((long)R * H);
        GradNspA = d.AllocateFloats((long)capacity * H);
        GradNspB = d.AllocateFloats((long)capacity * H);
    }

    public int Capacity { get; }
    public int SeqLen { get; }
    public int PredictionSlots { get; }
    /// <summary>The row index, B*T at capacity, that Qkv, GradX and GradY keep at zero for unpacking, and
    /// PaddedScratch and GradPaddedQkv keep at zero for packing the extra rows.</summary>
    public int ZeroRow { get; }

    // Batch inputs.
    public IntView Tokens { get; }       // [B,T]
    public IntView Segments { get; }     // [B,T]
    public IntView ValidLens { get; }    // [B]
    public IntView KeyMask { get; }      // [B,T] Hugging Face's attention_mask, when the batch has one
    public IntView MlmRows { get; }      // [R] packed row of each MLM prediction
    public IntView MlmLabels { get; }    // [R]
    public FloatView MlmWeights { get; } // [R] 1 for a prediction, 0 for an extra row
    public IntView ClsRows { get; }      // [B] packed row of each <cls>
    public IntView NspLabels { get; }    // [B]
    public IntView PackRows { get; }     // [N packed] padded row b*T+t of each packed row, ZeroRow for extra rows
    public IntView UnpackRows { get; }   // [B*T] packed row of each padded slot, ZeroRow for padding

    // Encoder over packed rows: X[0] = embeddings, X[l+1] = output of block l.
    public FloatView[] X { get; }
    public LayerActivations[] Layers { get; }
    // With an embedding LayerNorm: its packed input [N,H] and saved statistics; X[0] = dropout(LN(EmbeddingSum)).
    public FloatView? EmbeddingSum { get; }
    public FloatView? EmbeddingMean { get; }
    public FloatView? EmbeddingRstd { get; }
    public FloatView Scratch { get; }        // [N,H] pre-dropout sublayer outputs
    public FloatView PaddedScratch { get; }  // [B*T+1,H] embeddings, attention output and their gradients, padded; last row zero
    public FloatView Qkv { get; }            // [N+1,3H] packed projections, last row zero

    // MLM head over R rows.
    public FloatView MlmInput { get; }
    public FloatView MlmDense { get; }
    public FloatView MlmAct { get; }
    public FloatView MlmNorm { get; }
    public FloatView MlmMean { get; }
    public FloatView MlmRstd { get; }
    public FloatView Logits { get; }     // [R,V]; backward overwrites it with dlogits
    public FloatView MlmLosses { get; }

    // NSP head over B rows.
    public FloatView Cls { get; }
    public FloatView NspPre { get; }
    public FloatView NspHidden { get; }
    public FloatView NspLogits { get; }  // [B,2]; backward overwrites it with dlogits
    public FloatView NspLosses { get; }
    public FloatView LossSums { get; }   // [2]: sum of MLM losses, sum of NSP losses

    // Gradients of activations.
    public FloatView GradX { get; }          // [N+1,H] last row zero
    public FloatView GradY { get; }          // [N+1,H] last row zero
    public FloatView GradPaddedQkv { get; }  // [B*T+1,3H] last row zero
    public FloatView GradQkv { get; }        // [N,3H] packed
    public FloatView GradFfn { get; }
    public FloatView GradMlmA { get; }
    public FloatView GradMlmB { get; }
    public FloatView GradNspA { get; }
    public FloatView GradNspB { get; }
}
