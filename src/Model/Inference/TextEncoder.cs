using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Inference;

/// <summary>An encoded sentence or pair: the tokens fed to the model and the encoder output [T, H].</summary>
public sealed record EncodedText(string[] Tokens, int[] Ids, int[] Segments, float[] Output, int Hidden)
{
    public int Length => Tokens.Length;
    public ReadOnlySpan<float> Row(int t) => Output.AsSpan(t * Hidden, Hidden);

    /// <summary>The largest |difference| between any row and the &lt;cls&gt; row: near 0 when the representations
    /// have collapsed to one vector whatever the token (what the book's lr 0.01 leaves after 50 steps).</summary>
    public float SpreadAcrossTokens()
    {
        float spread = 0;
        for (int t = 1; t < Length; t++)
            for (int c = 0; c < Hidden; c++) spread = MathF.Max(spread, MathF.Abs(Output[t * Hidden + c] - Output[c]));
        return spread;
    }
}

/// <summary>
/// Spec §4: builds &lt;cls&gt; a &lt;sep&gt; [b &lt;sep&gt;], maps to ids (unknown -> &lt;unk&gt;), and runs the encoder in
/// inference mode (no dropout), so the same text always gives the same output.
/// </summary>
public static class TextEncoder
{
    public static EncodedText Encode(IBackend backend, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters,
        IReadOnlyList<string> tokensA, IReadOnlyList<string>? tokensB = null)
    {
        var tokens = new List<string> { Vocabulary.Cls };
        tokens.AddRange(tokensA);
        tokens.Add(Vocabulary.Sep);
        var segments = Enumerable.Repeat(0, tokens.Count).ToList();
        if (tokensB != null)
        {
            tokens.AddRange(tokensB);
            tokens.Add(Vocabulary.Sep);
            segments.AddRange(Enumerable.Repeat(1, tokensB.Count + 1));
        }
        int T = tokens.Count;
        if (T > config.MaxPosition)
            throw new BertNativeException($"the text has {T} tokens with <cls> and <sep>s but the model's positional table has {config.MaxPosition} rows; shorten it");

        // A batch of one example whose valid_len is the whole sequence; MLM slots are unused.
        int P = PretrainingExamples.PredictionSlotsFor(Math.Max(T, ExampleBuilder.MinMaxLen));
        int seqLen = Math.Max(T, ExampleBuilder.MinMaxLen);
        var batch = new Batch(1, seqLen, P);
        int[] ids = [.. tokens.Select(vocabulary.IdOf)];
        var example = new PretrainingExamples
        {
            Vocabulary = vocabulary, Seed = 0, Count = 1, MaxLen = seqLen, PredictionSlots = P,
            TokenIds = [.. ids, .. Enumerable.Repeat(Vocabulary.PadId, seqLen - T)],
            Segments = [.. segments, .. Enumerable.Repeat(0, seqLen - T)],
            ValidLens = [T], PredPositions = new int[P], MlmWeights = new float[P], MlmLabels = new int[P], NspLabels = [0],
        };
        batch.Fill(example, [0]);

        var model = new BertModel(backend, config, capacity: 1, seqLen, parameters);
        model.LoadBatch(batch);
        model.ForwardEncoder(training: false);
        var output = new float[seqLen * config.Hidden];
        backend.Download(model.EncoderOutput.Slice(0, output.Length), output);
        return new EncodedText([.. tokens], ids, [.. segments], output[..(T * config.Hidden)], config.Hidden);
    }
}
