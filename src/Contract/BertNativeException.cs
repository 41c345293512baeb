namespace BertNative.Contract;

/// <summary>
/// An error a user can act on: the message says what was wrong and what to do. The CLI prints
/// it as one line and exits non-zero; anything else that escapes is a bug.
/// </summary>
public class BertNativeException : Exception
{
    public BertNativeException(string message) : base(message) { }
    public BertNativeException(string message, Exception inner) : base(message, inner) { }
}
