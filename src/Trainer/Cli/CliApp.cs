using BertNative.Contract;

namespace BertNative.Trainer.Cli;

/// <summary>Dispatches "bertnative [command] [options]" and turns every user-facing error into one line and an exit code.</summary>
public sealed class CliApp(IReadOnlyList<Command> commands, string defaultCommand)
{
    public const int ExitOk = 0, ExitError = 1, ExitUsage = 2;

    public int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            if (args.Length > 0 && args[0] is "--help" or "-h" or "help")
            {
                stdout.WriteLine(Usage());
                return ExitOk;
            }
            bool named = args.Length > 0 && !args[0].StartsWith('-');
            string name = named ? args[0] : defaultCommand;
            var command = commands.FirstOrDefault(c => c.Name == name)
                ?? throw new InvalidOptionsException($"unknown command '{name}'; commands: {string.Join(", ", commands.Select(c => c.Name))}");
            var rest = args.Skip(named ? 1 : 0).ToArray();
            if (rest.Contains("--help") || rest.Contains("-h"))
            {
                stdout.WriteLine(command.Help());
                return ExitOk;
            }
            return command.Run(command.Parse(rest));
        }
        catch (InvalidOptionsException e)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return ExitUsage;
        }
        catch (BertNativeException e)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return ExitError;
        }
        catch (OutOfMemoryException)
        {
            stderr.WriteLine("error: out of host memory; lower --batch or --max-len, or pick a smaller --model");
            return ExitError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {OneLine(e.Message)}");
            return ExitError;
        }
        catch (Exception e)
        {
            // Still one line: a stack trace helps no user. BERTNATIVE_TRACE=1 prints it for a bug report.
            stderr.WriteLine($"error: unexpected {e.GetType().Name}: {OneLine(e.Message)} (a bug: please report it with the command; BERTNATIVE_TRACE=1 shows where)");
            if (Environment.GetEnvironmentVariable("BERTNATIVE_TRACE") == "1") stderr.WriteLine(e);
            return ExitError;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    public string Usage()
    {
        var lines = new List<string>
        {
            "bertnative - pretrain BERT (masked LM + next-sentence prediction) on WikiText-2 from .NET",
            "",
            $"Usage: bertnative [command] [options]      (no command: {defaultCommand})",
            "",
            "Commands:",
        };
        int width = commands.Max(c => c.Name.Length);
        lines.AddRange(commands.Select(c => $"  {c.Name.PadRight(width)}  {c.Summary}"));
        lines.Add("");
        lines.Add("Run 'bertnative COMMAND --help' for a command's options and defaults.");
        return string.Join(Environment.NewLine, lines);
    }
}
