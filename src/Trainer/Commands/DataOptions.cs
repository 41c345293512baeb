using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>Options every command that builds the dataset shares.</summary>
public static class DataOptions
{
    public static readonly OptionSpec DataDir = OptionSpec.Value("data", "DIR", null,
        "folder holding WikiText-2 (wiki.train.tokens); default: $BERTNATIVE_DATA, the user cache, or a download");
    public static readonly OptionSpec MaxLen = OptionSpec.Value("max-len", "N", "64", "tokens per example, <cls> and <sep>s included (8..512)");
    public static readonly OptionSpec Seed = OptionSpec.Value("seed", "N", null, "random seed for data, init and dropout (default: a fresh draw, printed)");

    public const int MaxSupportedLen = 512;

    public static int ReadMaxLen(ParsedOptions o) => o.Int("max-len", BertNative.Model.Data.ExampleBuilder.MinMaxLen, MaxSupportedLen);
}
