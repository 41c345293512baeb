namespace BertNative.Contract;

/// <summary>Options that cannot work together (or a value out of range): the caller's choice to fix, not a failure of
/// the run. The CLI prints it as one line with exit code 2, as it does a bad command line.</summary>
public class InvalidOptionsException(string message) : BertNativeException(message);
