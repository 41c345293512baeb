using System.Globalization;
using BertNative.Contract;

namespace BertNative.Trainer.Cli;

/// <summary>The options given to a command, with their defaults filled in, and typed, validated getters.</summary>
public sealed class ParsedOptions(string command, IReadOnlyDictionary<string, string?> values, ISet<string> given)
{
    public bool Has(string name) => given.Contains(name);

    public bool Flag(string name) => given.Contains(name);

    public string? String(string name) => values.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        string? text = String(name);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
            throw new InvalidOptionsException($"--{name} needs an integer, got '{text}'; see 'bertnative {command} --help'");
        if (value < min || value > max)
            throw new InvalidOptionsException($"--{name} {value} is out of range [{min}, {max}]");
        return value;
    }

    public int? OptionalInt(string name, int min = int.MinValue, int max = int.MaxValue) => String(name) == null ? null : Int(name, min, max);

    public float Float(string name, float min = float.MinValue, float max = float.MaxValue)
    {
        string? text = String(name);
        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw new InvalidOptionsException($"--{name} needs a number, got '{text}'; see 'bertnative {command} --help'");
        if (value < min || value > max)
            throw new InvalidOptionsException($"--{name} {text} is out of range [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}]");
        return value;
    }

    public float? OptionalFloat(string name, float min = float.MinValue, float max = float.MaxValue) => String(name) == null ? null : Float(name, min, max);

    public ulong? Seed(string name = "seed")
    {
        string? text = String(name);
        if (text == null) return null;
        if (!ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong value))
            throw new InvalidOptionsException($"--{name} needs a non-negative integer, got '{text}'");
        return value;
    }

    /// <summary>The given or default values of <paramref name="options"/> ("true" for a given flag; options without
    /// a value left out): what a run saves so that --resume can rebuild it.</summary>
    public Dictionary<string, string> Snapshot(IEnumerable<OptionSpec> options)
    {
        var saved = new Dictionary<string, string>();
        foreach (var o in options)
        {
            if (o.IsFlag) { if (Flag(o.Name)) saved[o.Name] = "true"; }
            else if (String(o.Name) is { } value) saved[o.Name] = value;
        }
        return saved;
    }

    /// <summary>These options with <paramref name="options"/> taken from a saved <see cref="Snapshot"/>. One given now
    /// with another value than the saved one is an error: a resumed run keeps the settings it started with.</summary>
    public ParsedOptions WithSaved(IReadOnlyDictionary<string, string> saved, IEnumerable<OptionSpec> options)
    {
        var newValues = new Dictionary<string, string?>(values);
        var newGiven = new HashSet<string>(given);
        foreach (var o in options)
        {
            saved.TryGetValue(o.Name, out string? old);
            if (given.Contains(o.Name))
            {
                string now = o.IsFlag ? "true" : values[o.Name]!;
                if (now != old)
                    throw new InvalidOptionsException($"--{o.Name}{(o.IsFlag ? "" : " " + now)} differs from the resumed run's {(old == null ? "default" : (o.IsFlag ? "setting" : old))}; drop it: a resumed run keeps the settings it started with");
            }
            if (!o.IsFlag) newValues[o.Name] = old;
            if (old != null) newGiven.Add(o.Name); else newGiven.Remove(o.Name);
        }
        return new ParsedOptions(command, newValues, newGiven);
    }

    public string Choice(string name, params string[] choices)
    {
        string? text = String(name);
        if (text == null || !choices.Contains(text))
            throw new InvalidOptionsException($"--{name} must be one of {string.Join(", ", choices)}, got '{text}'");
        return text;
    }
}
