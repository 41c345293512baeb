using BertNative.Contract;
using BertNative.Model.Data;
using BertNative.Model.Tokenization;

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
/// docs/model-spec.md §4: builds &lt;cls&gt; a &lt;sep&gt; [b &lt;sep&gt;], maps to ids (unknown -> the unknown token), and runs the encoder in
/// inference mode (no dropout), so the same text always gives the same output.
/// </summary>
public static class TextEncoder
{
    /// <summary>Encodes words that are already tokens of the vocabulary (the book's tokenization).</summary>
    public static EncodedText Encode(IBackend backend, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters,
        IReadOnlyList<string> tokensA, IReadOnlyList<string>? tokensB = null)
    {
        var tokens = new List<string> { vocabulary.SpecialNames.Cls };
        tokens.AddRange(tokensA);
        tokens.Add(vocabulary.SpecialNames.Sep);
        var segments = Enumerable.Repeat(0, tokens.Count).ToList();
        if (tokensB != null)
        {
            tokens.AddRange(tokensB);
            tokens.Add(vocabulary.SpecialNames.Sep);
            segments.AddRange(Enumerable.Repeat(1, tokensB.Count + 1));
        }
        if (tokens.Count > config.MaxPosition)
            throw new BertNativeException($"the text has {tokens.Count} tokens with <cls> and <sep>s but the model's positional table has {config.MaxPosition} rows; shorten it");
        return Encode(backend, config, vocabulary, parameters, new TokenizedText([.. tokens], [.. tokens.Select(vocabulary.IdOf)], [.. segments]));
    }

    /// <summary>Encodes one tokenized input.</summary>
    public static EncodedText Encode(IBackend backend, BertConfig config, Vocabulary vocabulary, ReadOnlySpan<float> parameters, TokenizedText input)
    {
        var encoder = new BatchEncoder(backend, config, vocabulary, parameters, batchSize: 1, input.Length);
        var output = encoder.Encode([input])[0];
        return new EncodedText(input.Tokens, input.Ids, input.Segments, output, config.Hidden);
    }
}
