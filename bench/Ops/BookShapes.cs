using BertNative.Model;

namespace BertNative.Bench.Ops;

/// <summary>The book's training shapes (d2l BERT on WikiText-2): one batch of 512 pairs of 64 tokens.</summary>
public static class BookShapes
{
    public const int B = 512, T = 64, N = B * T, H = 128, Heads = 2, D = H / Heads, F = 256, V = 20_256, P = 10;

    /// <summary>Real MLM rows of a batch under the intended loss (about 0.15 * valid tokens, padding slots skipped).</summary>
    public const int R = 3_550;

    public const float DropoutP = 0.2f, Epsilon = 1e-5f;

    public static readonly BertConfig Config = BertConfig.Book(V);

    /// <summary>Every parameter of the book's model (5,632,546): the size of the Adam buffers.</summary>
    public static readonly long Parameters = ParameterLayout.Of(Config).TotalCount;
}
