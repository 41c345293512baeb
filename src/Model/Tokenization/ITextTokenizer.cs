using BertNative.Model.Data;

namespace BertNative.Model.Tokenization;

/// <summary>Turns a sentence (or a pair) into the model's input.</summary>
public interface ITextTokenizer
{
    /// <summary>Tokenizes, adds the special tokens and, when the result would exceed <paramref name="maxLength"/>
    /// tokens, truncates the text (never the special tokens).</summary>
    TokenizedText Encode(string first, string? second, int maxLength);
}

public static class TextTokenizer
{
    /// <summary>The tokenizer a vocabulary was made for.</summary>
    public static ITextTokenizer For(Vocabulary vocabulary) =>
        vocabulary.Tokenizer.IsBook ? new BookTokenizer(vocabulary) : new WordPieceTokenizer(vocabulary);
}
