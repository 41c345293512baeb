namespace BertNative.Trainer.Cli;

/// <summary>One --option of a command: its value's name (null for a flag), default and help text.</summary>
public sealed record OptionSpec(string Name, string? ValueName, string? Default, string Help)
{
    public bool IsFlag => ValueName == null;

    public static OptionSpec Flag(string name, string help) => new(name, null, null, help);

    public static OptionSpec Value(string name, string valueName, string? defaultValue, string help) => new(name, valueName, defaultValue, help);
}
