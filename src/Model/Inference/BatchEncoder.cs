using BertNative.Contract;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;

namespace BertNative.Model.Inference;

/// <summary>
/// Runs the encoder in inference mode (no dropout) over many tokenized inputs, <see cref="BatchSize"/> at a time,
/// right-padded to the longest input. Each input's output is its own [length, H] rows: padding never reaches a
/// real token (attention stops at each input's length), so an input gives the same rows alone or in a batch.
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
        for (int first = 0; first < inputs.Count; first += BatchSize)
        {
            int count = Math.Min(BatchSize, inputs.Count - first);
            var part = Enumerable.Range(first, count).Select(i => inputs[i]).ToList();
            Load(part);
            _model.ForwardEncoder(training: false);
            int tokens = part.Sum(p => p.Length), H = Hidden;
            _model.Backend.Download(_model.EncoderOutput.Slice(0, tokens * H), _rows.AsSpan(0, tokens * H));
            int offset = 0;
            foreach (var input in part)
            {
                outputs.Add(_rows.AsSpan(offset * H, input.Length * H).ToArray());
                offset += input.Length;
            }
            progress?.Invoke(first + count);
        }
        return outputs;
    }

    private void Load(List<TokenizedText> part)
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
        _model.LoadBatch(_batch);
    }
}
