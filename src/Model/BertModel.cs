using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model;

/// <summary>
/// BERT pretraining on any backend (docs/model-spec.md §2–§3): post-LN encoder blocks, the MLM and NSP heads,
/// their losses, backward and Adam. Parameters, gradients and both Adam moments are each one
/// contiguous device buffer; activations are allocated once for (capacity, T).
/// </summary>
public sealed partial class BertModel
{
    private readonly IBackend _d;
    private readonly BertActivations _a;
    private readonly int[] _mlmRows, _mlmLabels, _clsRows, _packRows, _unpackRows;
    private readonly float[] _mlmWeights;
    // The packed rows the encoder runs on and the MLM rows of the head: the batch's valid tokens and its
    // predictions, each count rounded up to RowMultiple.
    private int _batchSize, _rowCount, _mlmRowCount;
    private BatchShare _share;
    private LossMode _loadedFor; // the loss the loaded batch's MLM rows and scale are laid out for
    private bool _masksKeys;     // the loaded batch carries an attention mask over the keys
    private bool _unpadded;      // every example fills all T positions: packed and padded rows are the same rows
    private float _mlmScale;
    private Dropout[] _dropouts = [];

    /// <param name="rowMultiple">Round GEMM row counts up to a multiple of this; 0 takes the backend's
    /// <see cref="IBackend.RowMultiple"/>. The results do not depend on it beyond float rounding.</param>
    public BertModel(IBackend backend, BertConfig config, int capacity, int seqLen, ReadOnlySpan<float> initialParameters,
        int rowMultiple = 0)
    {
        config.Validate(seqLen);
        _d = backend;
        RowMultiple = rowMultiple > 0 ? rowMultiple : Math.Max(1, backend.RowMultiple);
        Config = config;
        Layout = ParameterLayout.Of(config);
        if (initialParameters.Length != Layout.TotalCount)
            throw new ArgumentException($"{initialParameters.Length} initial values for {Layout.TotalCount} parameters");
        Parameters = new BertWeights(backend.AllocateFloats(Layout.TotalCount), Layout, config);
        backend.Upload(Parameters.All, initialParameters);

        int P = PretrainingExamples.PredictionSlotsFor(seqLen);
        _a = new BertActivations(backend, config, capacity, seqLen, P);
        _mlmRows = new int[capacity * P];
        _mlmLabels = new int[capacity * P];
        _mlmWeights = new float[capacity * P];
        _clsRows = new int[capacity];
        _packRows = new int[capacity * seqLen];
        _unpackRows = new int[capacity * seqLen];
    }

    public IBackend Backend => _d;
    public BertConfig Config { get; }
    public ParameterLayout Layout { get; }
    public BertWeights Parameters { get; }

    // The training state (3 floats per parameter) is allocated (zero-filled) on first use, so a model that only runs
    // forward (encode, embed, evaluate) holds its weights and activations alone.
    private BertWeights? _gradients;
    private FloatView? _adamM, _adamV;
    public BertWeights Gradients => _gradients ??= new BertWeights(_d.AllocateFloats(Layout.TotalCount), Layout, Config);
    public FloatView AdamM => _adamM ??= _d.AllocateFloats(Layout.TotalCount);
    public FloatView AdamV => _adamV ??= _d.AllocateFloats(Layout.TotalCount);
    /// <summary>Allocates the gradients and Adam moments now (a training run does, so that memory runs out before the first step, not in it).</summary>
    public void AllocateTrainingState() => _ = (Gradients, AdamM, AdamV);

    /// <summary>Whether gradients or Adam moments were allocated (a model that only ran forward has none).</summary>
    public bool HoldsTrainingState => _gradients is not null || _adamM is not null || _adamV is not null;
    /// <summary>The loss this model trains with; fixed for its life (evaluation loads a batch for the intended loss).</summary>
    public LossMode LossMode { get; init; } = LossMode.Intended;
    public int Capacity => _a.Capacity;
    public int SeqLen => _a.SeqLen;
    public int RowMultiple { get; }

    /// <summary>The encoder's output of the last forward, packed: [valid tokens, H], the valid tokens of
    /// each example in order (for a batch of one, the first valid_len rows).</summary>
    public FloatView EncoderOutput => _a.X[^1];

    /// <summary>Uploads a batch, lays out the packed rows of its valid tokens (see <see cref="BertActivations"/>)
    /// and its MLM rows: only the real slots for the intended loss (padding slots have weight 0, so skipping
    /// them changes nothing), all B*P slots for the book's. Both counts are rounded up to <see cref="RowMultiple"/>
    /// with inert rows.</summary>
    public void LoadBatch(Batch batch) => LoadBatch(batch, BatchShare.Whole(batch));

    /// <summary>Loads a batch that is one part of a larger step (see <see cref="BatchShare"/>): losses normalised by the
    /// global counts, dropout keyed by global indices.</summary>
    public void LoadBatch(Batch batch, BatchShare share) => LoadBatch(batch, share, LossMode);

    /// <summary>Loads a batch for <paramref name="loss"/> rather than the model's own: evaluation always reports the intended loss.</summary>
    public void LoadBatch(Batch batch, BatchShare share, LossMode loss)
    {
        if (batch.Size > Capacity || batch.MaxLen != SeqLen) throw new ArgumentException("batch does not fit the model's buffers");
        int B = batch.Size, T = SeqLen, P = _a.PredictionSlots;
        _batchSize = B;
        _share = share;
        _loadedFor = loss;
        _d.Upload(_a.Tokens.Slice(0, B * T), batch.TokenIds.AsSpan(0, B * T));
        _d.Upload(_a.Segments.Slice(0, B * T), batch.Segments.AsSpan(0, B * T));
        _d.Upload(_a.ValidLens.Slice(0, B), batch.ValidLens.AsSpan(0, B));
        _masksKeys = batch.MasksKeys;
        if (_masksKeys) _d.Upload(_a.KeyMask.Slice(0, B * T), batch.KeyMask);
        _d.Upload(_a.NspLabels.Slice(0, B), batch.NspLabels.AsSpan(0, B));

        int tokenCount = LayOutPackedRows(batch.ValidLens.AsSpan(0, B));
        _rowCount = RoundUp(tokenCount, Capacity * T);
        _unpadded = tokenCount == B * T && _rowCount == tokenCount;
        _packRows.AsSpan(tokenCount, _rowCount - tokenCount).Fill(_a.ZeroRow);
        _d.Upload(_a.PackRows.Slice(0, _rowCount), _packRows.AsSpan(0, _rowCount));
        _d.Upload(_a.UnpackRows.Slice(0, B * T), _unpackRows.AsSpan(0, B * T));
        _d.Upload(_a.ClsRows.Slice(0, B), _clsRows.AsSpan(0, B));

        int r = 0;
        for (int i = 0; i < B * P; i++)
        {
            if (loss == LossMode.Intended && batch.MlmWeights[i] == 0f) continue;
            int position = batch.PredPositions[i], example = i / P;
            if (position >= batch.ValidLens[example])
                throw new ArgumentException($"prediction position {position} of example {example} is beyond its valid length {batch.ValidLens[example]}");
            _mlmRows[r] = _clsRows[example] + position;
            _mlmLabels[r] = batch.MlmLabels[i];
            _mlmWeights[r] = 1f;
            r++;
        }
        _mlmScale = loss == LossMode.Intended ? (float)(1.0 / (share.GlobalPredictions + 1e-8)) : 1f / (share.GlobalPairs * P);
        _mlmRowCount = RoundUp(r, Capacity * P);
        for (int extra = r; extra < _mlmRowCount; extra++) (_mlmRows[extra], _mlmLabels[extra], _mlmWeights[extra]) = (0, 0, 0f);
        _d.Upload(_a.MlmRows.Slice(0, _mlmRowCount), _mlmRows.AsSpan(0, _mlmRowCount));
        _d.Upload(_a.MlmLabels.Slice(0, _mlmRowCount), _mlmLabels.AsSpan(0, _mlmRowCount));
        _d.Upload(_a.MlmWeights.Slice(0, _mlmRowCount), _mlmWeights.AsSpan(0, _mlmRowCount));
    }

    /// <summary>Encoder forward for the loaded batch; dropout is keyed by (seed, step, site) and the global element index when training.</summary>
    public void ForwardEncoder(bool training, ulong seed = 0, long step = 0)
    {
        var c = Config;
        int B = _batchSize, T = SeqLen, N = _rowCount, H = c.Hidden, F = c.FfnHidden;
        // Sites 3l..3l+2 are block l's; the embedding dropout (Hugging Face's, with the embedding LayerNorm) comes last.
        int sites = 3 * c.Layers + (c.EmbeddingLayerNorm ? 1 : 0);
        if (_dropouts.Length != sites) _dropouts = new Dropout[sites];
        for (int site = 0; site < _dropouts.Length; site++)
        {
            // Attention weights are [B, heads, T, T] per example; the other sites are packed [tokens, H] rows.
            long skip = site % 3 == 0 && site < 3 * c.Layers ? (long)_share.FirstExample * c.Heads * T * T : _share.FirstToken * H;
            _dropouts[site] = training ? Dropout.For(c.Dropout, seed, step, site).Skip(skip) : Dropout.None;
        }

        var p = Parameters;
        var embedded = PaddedRowsOf(c.EmbeddingLayerNorm ? _a.EmbeddingSum!.Value : _a.X[0]);
        _d.EmbeddingForward(embedded, _a.Tokens, _a.Segments, p.TokenEmbedding, p.SegmentEmbedding, p.PositionEmbedding, B, T, H);
        if (c.EmbeddingLayerNorm)
        {
            // X[0] = Dropout(LN(token + segment + position)).
            Pack(_a.EmbeddingSum!.Value, embedded, H);
            _d.LayerNormForward(_a.X[0], _a.EmbeddingMean!.Value, _a.EmbeddingRstd!.Value, _a.EmbeddingSum.Value,
                p.EmbeddingNormGamma!.Value, p.EmbeddingNormBeta!.Value, N, H, c.LayerNormEpsilon);
            _d.DropoutForward(_a.X[0], _a.X[0], (long)N * H, _dropouts[^1]);
        }
        else Pack(_a.X[0], embedded, H);
        for (int l = 0; l < c.Layers; l++)
        {
            var w = p.Layers[l];
            var s = _a.Layers[l];
            // Y = LN1(X + Dropout(MHA(X)))
            var qkv = _unpadded ? s.PaddedQkv : _a.Qkv;
            _d.MatmulForward(qkv, _a.X[l], w.Qkv, w.QkvBias, N, H, 3 * H);
            Unpack(s.PaddedQkv, qkv, 3 * H);
            var attention = PaddedRowsOf(s.Attention);
            _d.AttentionForward(attention, s.Probs, s.PaddedQkv, _a.ValidLens, _masksKeys ? _a.KeyMask.Slice(0, B * T) : null,
                B, T, H, c.Heads, _dropouts[3 * l]);
            Pack(s.Attention, attention, H);
            _d.MatmulForward(_a.Scratch, s.Attention, w.Output, w.OutputBias, N, H, H);
            _d.ResidualLayerNormForward(s.Y, s.Residual1, s.Mean1, s.Rstd1, _a.X[l], _a.Scratch, w.Norm1Gamma, w.Norm1Beta, N, H, c.LayerNormEpsilon, _dropouts[3 * l + 1]);
            // X' = LN2(Y + Dropout(FFN(Y)))
            _d.MatmulForward(s.FfnPre, s.Y, w.Ffn1, w.Ffn1Bias, N, H, F);
            _d.ActivationForward(c.FfnActivation, s.FfnAct, s.FfnPre, (long)N * F);
            _d.MatmulForward(_a.Scratch, s.FfnAct, w.Ffn2, w.Ffn2Bias, N, F, H);
            _d.ResidualLayerNormForward(_a.X[l + 1], s.Residual2, s.Mean2, s.Rstd2, s.Y, _a.Scratch, w.Norm2Gamma, w.Norm2Beta, N, H, c.LayerNormEpsilon, _dropouts[3 * l + 2]);
        }
    }

    /// <summary>Both heads and their losses. With <paramref name="withGradients"/>, the fused cross-entropy
    /// also leaves dlogits in place of the logits, ready for <see cref="Backward"/>.</summary>
    public void ForwardHeads(bool withGradients)
    {
        var c = Config;
        var p = Parameters;
        int B = _batchSize, N = _rowCount, H = c.Hidden, R = _mlmRowCount;

        // MLM: gather the predicted rows -> Linear -> ReLU (or GELU) -> LayerNorm -> Linear(V) -> cross-entropy.
        // A tied decoder's weight is the token embedding, [V,H] like the untied one.
        _d.GatherForward(_a.MlmInput, _a.X[^1], _a.MlmRows, 1, N, R, H);
        _d.MatmulForward(_a.MlmDense, _a.MlmInput, p.MlmDense, p.MlmDenseBias, R, H, H);
        _d.ActivationForward(c.MlmActivation, _a.MlmAct, _a.MlmDense, (long)R * H);
        _d.LayerNormForward(_a.MlmNorm, _a.MlmMean, _a.MlmRstd, _a.MlmAct, p.MlmNormGamma, p.MlmNormBeta, R, H, c.LayerNormEpsilon);
        _d.MatmulForward(_a.Logits, _a.MlmNorm, p.MlmDecoder, p.MlmDecoderBias, R, H, c.VocabSize);
        _d.SoftmaxCrossEntropy(_a.MlmLosses, withGradients ? _a.Logits : null, _a.Logits, _a.MlmLabels, _a.MlmWeights, _mlmScale, R, c.VocabSize);
        _d.WeightedSum(_a.LossSums.Slice(0, 1), _a.MlmLosses, _a.MlmWeights, R);

        // NSP: the <cls> row -> Linear -> tanh -> Linear(2) -> cross-entropy (mean over the batch).
        _d.GatherForward(_a.Cls, _a.X[^1], _a.ClsRows, 1, N, B, H);
        _d.MatmulForward(_a.NspPre, _a.Cls, p.NspHidden, p.NspHiddenBias, B, H, H);
        _d.ActivationForward(Activation.Tanh, _a.NspHidden, _a.NspPre, (long)B * H);
        _d.MatmulForward(_a.NspLogits, _a.NspHidden, p.NspOutput, p.NspOutputBias, B, H, 2);
        _d.SoftmaxCrossEntropy(_a.NspLosses, withGradients ? _a.NspLogits : null, _a.NspLogits, _a.NspLabels, null, 1f / _share.GlobalPairs, B, 2);
        _d.WeightedSum(_a.LossSums.Slice(1, 1), _a.NspLosses, null, B);
    }

    /// <summary>Backward of both heads and the encoder into <see cref="Gradients"/> (+=; zero them first).
    /// <paramref name="bucketReady"/> is told each of <see cref="ParameterLayout.BackwardBuckets"/> (by index) as soon as
    /// its gradients are queued, so a data-parallel run can reduce them while the rest of backward runs.</summary>
    public void Backward(Action<int>? bucketReady = null)
    {
        var c = Config;
        var p = Parameters;
        var g = Gradients;
        int B = _batchSize, T = SeqLen, N = _rowCount, H = c.Hidden, F = c.FfnHidden, R = _mlmRowCount;
        var dX = _a.GradX;

        // MLM head, from the dlogits the fused cross-entropy left in Logits. A tied decoder's weight gradient adds to the
        // token embedding's (g.MlmDecoder is that view), which the embedding backward adds to at the end.
        _d.MatmulBackward(_a.GradMlmA, false, g.MlmDecoder, g.MlmDecoderBias, _a.Logits, _a.MlmNorm, p.MlmDecoder, R, H, c.VocabSize);
        _d.LayerNormBackward(_a.GradMlmB, g.MlmNormGamma, g.MlmNormBeta, _a.GradMlmA, _a.MlmAct, p.MlmNormGamma, _a.MlmMean, _a.MlmRstd, R, H);
        _d.ActivationBackward(c.MlmActivation, _a.GradMlmB, _a.GradMlmB, _a.MlmDense, _a.MlmAct, (long)R * H);
        _d.MatmulBackward(_a.GradMlmA, false, g.MlmDense, g.MlmDenseBias, _a.GradMlmB, _a.MlmInput, p.MlmDense, R, H, H);
        _d.Zero(dX.Slice(0, (long)N * H));
        _d.GatherBackward(dX, _a.GradMlmA, _a.MlmRows, 1, N, R, H);

        // NSP head.
        _d.MatmulBackward(_a.GradNspA, false, g.NspOutput, g.NspOutputBias, _a.NspLogits, _a.NspHidden, p.NspOutput, B, H, 2);
        _d.ActivationBackward(Activation.Tanh, _a.GradNspA, _a.GradNspA, _a.NspPre, _a.NspHidden, (long)B * H);
        _d.MatmulBackward(_a.GradNspB, false, g.NspHidden, g.NspHiddenBias, _a.GradNspA, _a.Cls, p.NspHidden, B, H, H);
        _d.GatherBackward(dX, _a.GradNspB, _a.ClsRows, 1, N, B, H);
        bucketReady?.Invoke(0);

        // Encoder blocks in reverse: dX holds the gradient of the block's output on entry, of its input on exit.
        var dY = _a.GradY;
        for (int l = c.Layers - 1; l >= 0; l--)
        {
            var w = p.Layers[l];
            var gw = g.Layers[l];
            var s = _a.Layers[l];
            // X' = LN2(Y + Dropout(FFN(Y)))
            _d.LayerNormBackward(dY, gw.Norm2Gamma, gw.Norm2Beta, dX, s.Residual2, w.Norm2Gamma, s.Mean2, s.Rstd2, N, H);
            _d.DropoutBackward(_a.Scratch, dY, (long)N * H, _dropouts[3 * l + 2]);
            _d.MatmulBackward(_a.GradFfn, false, gw.Ffn2, gw.Ffn2Bias, _a.Scratch, s.FfnAct, w.Ffn2, N, F, H);
            _d.ActivationBackward(c.FfnActivation, _a.GradFfn, _a.GradFfn, s.FfnPre, s.FfnAct, (long)N * F);
            _d.MatmulBackward(dY, true, gw.Ffn1, gw.Ffn1Bias, _a.GradFfn, s.Y, w.Ffn1, N, H, F);
            // Y = LN1(X + Dropout(MHA(X)))
            _d.LayerNormBackward(dX, gw.Norm1Gamma, gw.Norm1Beta, dY, s.Residual1, w.Norm1Gamma, s.Mean1, s.Rstd1, N, H);
            _d.DropoutBackward(_a.Scratch, dX, (long)N * H, _dropouts[3 * l + 1]);
            _d.MatmulBackward(dY, false, gw.Output, gw.OutputBias, _a.Scratch, s.Attention, w.Output, N, H, H);
            Unpack(_a.PaddedScratch, dY, H);
            _d.AttentionBackward(_a.GradPaddedQkv, _a.PaddedScratch, s.PaddedQkv, s.Probs, _a.ValidLens, B, T, H, c.Heads, _dropouts[3 * l]);
            Pack(_a.GradQkv, _a.GradPaddedQkv, 3 * H);
            _d.MatmulBackward(dX, true, gw.Qkv, gw.QkvBias, _a.GradQkv, _a.X[l], w.Qkv, N, H, 3 * H);
            bucketReady?.Invoke(c.Layers - l);
        }

        if (c.EmbeddingLayerNorm)
        {
            // X[0] = Dropout(LN(sum)): both backwards in place in dX (rows past N, the zero row among them, untouched).
            _d.DropoutBackward(dX, dX, (long)N * H, _dropouts[^1]);
            _d.LayerNormBackward(dX, g.EmbeddingNormGamma!.Value, g.EmbeddingNormBeta!.Value, dX, _a.EmbeddingSum!.Value,
                p.EmbeddingNormGamma!.Value, _a.EmbeddingMean!.Value, _a.EmbeddingRstd!.Value, N, H);
        }
        FloatView? dPositions = _loadedFor == LossMode.BookPyTorch ? null : g.PositionEmbedding;
        Unpack(_a.PaddedScratch, dX, H);
        _d.EmbeddingBackward(g.TokenEmbedding, g.SegmentEmbedding, dPositions, _a.PaddedScratch, _a.Tokens, _a.Segments, B, T, H);
        bucketReady?.Invoke(c.Layers + 1);
    }

    /// <summary>Host side of packing: offsets of each example's valid tokens (also its &lt;cls&gt; row), the padded
    /// slot of each packed row and the packed row (or the zero row) of each padded slot. Returns the packed row count.</summary>
    private int LayOutPackedRows(ReadOnlySpan<int> validLens)
    {
        int T = SeqLen, n = 0;
        for (int b = 0; b < validLens.Length; b++)
        {
            int valid = validLens[b];
            if (valid < 1 || valid > T) throw new ArgumentException($"valid length {valid} of example {b} is outside [1, {T}]");
            _clsRows[b] = n;
            for (int t = 0; t < T; t++)
            {
                if (t < valid) _packRows[n + t] = b * T + t;
                _unpackRows[b * T + t] = t < valid ? n + t : _a.ZeroRow;
            }
            n += valid;
        }
        return n;
    }

    /// <summary>packed[i,:] = padded[PackRows[i],:] for the batch's packed rows; extra rows read the zero row.
    /// Nothing to do when an unpadded batch's op already wrote the rows in place (see <see cref="PaddedRowsOf"/>).</summary>
    private void Pack(FloatView packed, FloatView paddedWithZeroRow, int columns)
    {
        if (!SameRows(packed, paddedWithZeroRow)) _d.GatherForward(packed, paddedWithZeroRow, _a.PackRows, 1, _a.ZeroRow + 1, _rowCount, columns);
    }

    /// <summary>Where an op producing padded rows should write them so that they end up in <paramref name="packed"/>:
    /// the padded scratch (then packed), or for an unpadded batch, whose layouts coincide, <paramref name="packed"/> itself.</summary>
    private FloatView PaddedRowsOf(FloatView packed) => _unpadded ? packed : _a.PaddedScratch;

    private static bool SameRows(FloatView a, FloatView b) => a.Buffer == b.Buffer && a.Offset == b.Offset;

    /// <summary>count rounded up to a multiple of <see cref="RowMultiple"/>, at most limit (the buffers' rows).</summary>
    private int RoundUp(int count, int limit) => Math.Min(limit, (count + RowMultiple - 1) / RowMultiple * RowMultiple);

    /// <summary>padded[s,:] = packed[UnpackRows[s],:]; padded slots read the source's zero row.</summary>
    private void Unpack(FloatView padded, FloatView packedWithZeroRow, int columns)
    {
        if (!SameRows(padded, packedWithZeroRow)) _d.GatherForward(padded, packedWithZeroRow, _a.UnpackRows, 1, _a.ZeroRow + 1, _batchSize * SeqLen, columns);
    }

    public void ZeroGradients() => _d.Zero(Gradients.All);

    public void AdamStep(AdamSettings settings, int t) =>
        _d.AdamStep(Parameters.All, Gradients.All, AdamM, AdamV, Layout.TotalCount, settings, t);

    /// <summary>The (MLM, NSP) losses of the last forward; waits for the device.</summary>
    public (float Mlm, float Nsp) ReadLosses()
    {
        Span<float> sums = stackalloc float[2];
        _d.Download(_a.LossSums, sums);
        return (sums[0] * _mlmScale, sums[1] / _share.GlobalPairs);
    }

    /// <summary>Copies the whole parameter buffer to the host.</summary>
    public float[] DownloadParameters()
    {
        var values = new float[Layout.TotalCount];
        _d.Download(Parameters.All, values);
        return values;
    }
}
