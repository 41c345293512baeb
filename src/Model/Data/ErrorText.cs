namespace BertNative.Model.Data;

/// <summary>Pieces shared by the one-line errors of the WikiText-2 source.</summary>
internal static class ErrorText
{
    /// <summary>What a user can hand to --data (or BERTNATIVE_DATA) instead of downloading.</summary>
    public const string DataFolder = "a folder holding WikiText-2 (wiki.train.tokens, wiki.valid.tokens, wiki.test.tokens)";

    /// <summary>An exception message folded into one line without its final period, to embed in ours.</summary>
    public static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
}
