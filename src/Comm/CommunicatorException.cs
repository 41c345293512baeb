using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>A collective that could not complete: a rank died, never joined, or failed; the message names it.</summary>
public sealed class CommunicatorException : BertNativeException
{
    public CommunicatorException(string message) : base(message) { }
    public CommunicatorException(string message, Exception inner) : base(message, inner) { }
}
