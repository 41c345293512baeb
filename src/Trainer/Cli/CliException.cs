using BertNative.Contract;

namespace BertNative.Trainer.Cli;

/// <summary>A bad command line: printed as one line, exit code 2.</summary>
public sealed class CliException(string message) : BertNativeException(message);
