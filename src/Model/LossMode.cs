namespace BertNative.Model;

/// <summary>Which loss the model trains with (docs/model-spec.md §3).</summary>
public enum LossMode
{
    /// <summary>Weighted MLM loss over the real prediction slots + NSP; the positional table is trained.</summary>
    Intended,

    /// <summary>The book's PyTorch code: MLM is the plain mean over all B x P slots (padding included)
    /// and the positional table is never trained.</summary>
    BookPyTorch,
}
