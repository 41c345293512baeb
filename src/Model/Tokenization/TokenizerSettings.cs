namespace BertNative.Model.Tokenization;

/// <summary>How text becomes tokens: the book's (lower-cased words split on spaces, one token each) or
/// BERT's WordPiece with the model's casing. Recorded in the checkpoint's config.json.</summary>
public sealed record TokenizerSettings(string Kind, bool LowerCase, bool StripAccents)
{
    public const string BookKind = "book", WordPieceKind = "wordpiece";

    public static readonly TokenizerSettings Book = new(BookKind, LowerCase: true, StripAccents: false);

    /// <summary>WordPiece as BERT's tokenizers default: accents are stripped exactly when the text is lower-cased.</summary>
    public static TokenizerSettings WordPiece(bool lowerCase, bool? stripAccents = null) => new(WordPieceKind, lowerCase, stripAccents ?? lowerCase);

    public bool IsBook => Kind == BookKind;
}
