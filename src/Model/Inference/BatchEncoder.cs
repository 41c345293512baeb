using BertNative.Contract;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;

namespace BertNative.Model.Inference;

/// <summary>
/// Runs the encoder in inference mode (no dropout) over many tokenized inputs, <see cref="BatchSize"/> at a time,
/// right-padded to the longest input. Each input's output is its own [length, H] rows: padding never reaches a
/// real token (attention stops at each input's length), so an input gives the same rows alone or in a batch.
/// <see cref="EncodeIds"/> takes Hugging Face's input_ids, token_type_ids and attention_mask instead: any mask.
/// </summary>
public sealed class BatchEncoder
{
    private readonly BertModel _model;
    private readonly Batch _batch;
    private readonly Vocabulary _vocabulary;
    private readonly float[] _rows;

    /// <param name="maxLength">The longest input to expect (at most the positional table).</param>
    public BatchEncoder(IBackend backend, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters, int batchSize, int maxLength)
    {
        if (maxLength > config.MaxPosition)
            throw new BertNativeException($"an input of {maxLength} tokens exceeds the model's positional table of {config.MaxPosition} rows; shorten it");
        // The model's buffers need a few positions at least (the examples' minimum), never more than the table has.
        int seqLen = Math.Min(Math.Max(maxLength, ExampleBuilder.MinMaxLen), config.MaxPosition);
        BatchSize = batchSize;
        _vocabulary = vocabulary;
        _model = new BertModel(backend, config, batchSize, seqLen, parameters);
        _batch = new Batch(batchSize, seqLen, PretrainingExamples.PredictionSlotsFor(seqLen));
        _rows = new float[batchSize * seqLen * config.Hidden];
    }

    public int BatchSize { get; }
    public int SeqLen => _batch.MaxLen;
    public int Hidden => _model.Config.Hidden;

    /// <summary>The encoder's rows for each input, [input length, H] each; <paramref name="progress"/> is told after each batch how many are done.</summary>
    public List<float[]> Encode(IReadOnlyList<TokenizedText> inputs, Action<int>? progress = null)
    {
        var outputs = new List<float[]>(inputs.Count);
        EncodeRows(inputs, (_, rows) => outputs.Add(rows.ToArray()), progress);
        return outputs;
    }

    /// <summary>Hands each input's rows [input length, H] to <paramref name="onRows"/> in order, without copying them: the
    /// span is valid until it returns (what `embed` pools from; fresh arrays of every input's rows would cost a page
    /// fault per 4 KB, about 5% of a MiniLM batch).</summary>
    public void EncodeRows(IReadOnlyList<TokenizedText> inputs, RowsHandler onRows, Action<int>? progress = null)
    {
        for (int first = 0; first < inputs.Count; first += BatchSize)
        {
            int count = Math.Min(BatchSize, inputs.Count - first);
            var part = Enumerable.Range(first, count).Select(i => inputs[i]).ToList();
            Load(part);
            _model.ForwardEncoder(training: false);
            int tokens = part.Sum(p => p.Length), H = Hidden;
            _model.Backend.Download(_model.EncoderOutput.Slice(0, tokens * H), _rows.AsSpan(0, tokens * H));
            int offset = 0;
            for (int i = 0; i < count; i++)
            {
                onRows(first + i, _rows.AsSpan(offset * H, part[i].Length * H));
                offset += part[i].Length;
            }
            progress?.Invoke(first + count);
        }
    }

    /// <summary>Receives input <paramref name="index"/>'s encoder rows, [length, H].</summary>
    public delegate void RowsHandler(int index, ReadOnlySpan<float> rows);

    /// <summary>
    /// Hugging Face's call: <paramref name="inputIds"/>, <paramref name="tokenTypeIds"/> and <paramref name="attentionMask"/>
    /// are [count, length] row-major; keys whose mask is 0 are not attended to, wherever they are (left padding, holes).
    /// Returns last_hidden_state [count, length, H] for every position, masked ones included, as Hugging Face computes
    /// them (position t is position t whatever the mask).
    /// </summary>
    public float[] EncodeIds(ReadOnlySpan<int> inputIds, ReadOnlySpan<int> tokenTypeIds, ReadOnlySpan<int> attentionMask, int count, int length)
    {
        if (length < 1 || length > SeqLen) throw new ArgumentOutOfRangeException(nameof(length), $"a length of {length} outside [1, {SeqLen}], this encoder's length");
        long values = (long)count * length;
        if (inputIds.Length != values || tokenTypeIds.Length != values || attentionMask.Length != values)
            throw new ArgumentException($"input_ids, token_type_ids and attention_mask must each hold {count} x {length} values");
        var config = _model.Config;
        if (inputIds.ContainsAnyExceptInRange(0, config.VocabSize - 1)) throw new ArgumentOutOfRangeException(nameof(inputIds), $"an input id outside [0, {config.VocabSize}), the vocabulary");
        if (tokenTypeIds.ContainsAnyExceptInRange(0, config.TypeVocabSize - 1)) throw new ArgumentOutOfRangeException(nameof(tokenTypeIds), $"a token type outside [0, {config.TypeVocabSize})");
        int H = Hidden, T = SeqLen;
        var output = new float[values * H];
        var mask = new int[BatchSize * T];
        for (int first = 0; first < count; first += BatchSize)
        {
            int n = Math.Min(BatchSize, count - first);
            var part = new List<TokenizedText>(n);
            mask.AsSpan().Clear();
            for (int i = 0; i < n; i++)
            {
                int row = (first + i) * length;
                part.Add(new TokenizedText(new string[length], inputIds.Slice(row, length).ToArray(), tokenTypeIds.Slice(row, length).ToArray()));
                attentionMask.Slice(row, length).CopyTo(mask.AsSpan(i * T));
            }
            Load(part, mask.AsSpan(0, n * T));
            _model.ForwardEncoder(training: false);
            _model.Backend.Download(_model.EncoderOutput.Slice(0, n * length * H), output.AsSpan(first * length * H, n * length * H));
        }
        return output;
    }

    private void Load(List<TokenizedText> part, ReadOnlySpan<int> keyMask = default)
    {
        int T = SeqLen, P = _batch.PredictionSlots, n = part.Count;
        var ids = new int[n * T];
        var segments = new int[n * T];
        for (int i = 0; i < n; i++)
        {
            if (part[i].Length > T) throw new ArgumentException($"an input of {part[i].Length} tokens exceeds the encoder's length {T}");
            ids.AsSpan(i * T, T).Fill(_vocabulary.Special.Pad);
            part[i].Ids.CopyTo(ids, i * T);
            part[i].Segments.CopyTo(segments, i * T);
        }
        var examples = new PretrainingExamples
        {
            Vocabulary = _vocabulary, Seed = 0, Count = n, MaxLen = T, PredictionSlots = P,
            TokenIds = ids, Segments = segments, ValidLens = [.. part.Select(p => p.Length)],
            PredPositions = new int[n * P], MlmWeights = new float[n * P], MlmLabels = new int[n * P], NspLabels = new int[n],
        };
        _batch.Fill(examples, [.. Enumerable.Range(0, n)]);
        if (!keyMask.IsEmpty) _batch.MaskKeys(keyMask);
        _model.LoadBatch(_batch);
    }
}
