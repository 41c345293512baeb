using BertNative.Contract;

namespace BertNative.Trainer.Cli;

/// <summary>A subcommand of the CLI: its options and what it does. Run returns the process exit code.</summary>
public abstract class Command
{
    public abstract string Name { get; }
    public abstract string Summary { get; }
    public abstract IReadOnlyList<OptionSpec> Options { get; }
    public abstract int Run(ParsedOptions options);

    /// <summary>Parses "--name value" and "--name=value" pairs against <see cref="Options"/>.</summary>
    public ParsedOptions Parse(IReadOnlyList<string> args)
    {
        var values = Options.ToDictionary(o => o.Name, o => o.Default);
        var given = new HashSet<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new InvalidOptionsException($"unexpected argument '{arg}' for '{Name}'; see 'bertnative {Name} --help'");
            string name = arg[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) (name, inline) = (name[..eq], name[(eq + 1)..]);
            var spec = Options.FirstOrDefault(o => o.Name == name)
                ?? throw new InvalidOptionsException($"unknown option --{name} for '{Name}'; see 'bertnative {Name} --help'");
            if (!given.Add(name)) throw new InvalidOptionsException($"--{name} is given twice");
            if (spec.IsFlag)
            {
                if (inline != null) throw new InvalidOptionsException($"--{name} is a flag and takes no value");
                continue;
            }
            string? value = inline ?? (i + 1 < args.Count ? args[++i] : null);
            if (value == null) throw new InvalidOptionsException($"--{name} needs a value ({spec.ValueName})");
            values[name] = value;
        }
        return new ParsedOptions(Name, values, given);
    }

    public string Help()
    {
        var lines = new List<string> { $"bertnative {Name} - {Summary}", "", "Options:" };
        int width = Options.Max(o => OptionLabel(o).Length);
        foreach (var o in Options)
        {
            string defaultText = o.IsFlag ? "" : o.Default == null ? "" : $" (default: {o.Default})";
            lines.Add($"  {OptionLabel(o).PadRight(width)}  {o.Help}{defaultText}");
        }
        lines.Add($"  {"--help".PadRight(width)}  show this help");
        return string.Join(Environment.NewLine, lines);
    }

    private static string OptionLabel(OptionSpec o) => o.IsFlag ? $"--{o.Name}" : $"--{o.Name} {o.ValueName}";
}
