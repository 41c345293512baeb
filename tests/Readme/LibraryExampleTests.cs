using System.Text.Json;
using BertNative.Tests.Support;

namespace BertNative.Tests.Readme;

/// <summary>The README's library example is real code: its block is the body of <see cref="LibraryExample.Run"/> (compiled
/// with the tests), and running it trains two cpu replicas and writes the run folder it promises.</summary>
[NonParallelizable] // it sets the working directory and BERTNATIVE_DATA for the example's relative paths
public class LibraryExampleTests
{
    [Test]
    public void TheReadmeShowsTheCompiledExample()
    {
        string root = TestData.RepositoryRoot ?? throw new InconclusiveException("no repository around the tests");
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int section = readme.IndexOf("## Pretraining from .NET code", StringComparison.Ordinal);
        Assert.That(section, Is.GreaterThan(0), "the README has the section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        string block = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        string[] shown = [.. block.Split('\n').Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^using [\w.]+;$") && l.Trim().Length > 0)];

        string source = File.ReadAllText(Path.Combine(root, "tests", "Readme", "LibraryExample.cs"));
        int begin = source.IndexOf("// README begin\n", StringComparison.Ordinal) + "// README begin\n".Length;
        string body = source[begin..source.IndexOf("        // README end", StringComparison.Ordinal)];
        string[] compiled = [.. body.Split('\n').Where(l => l.Trim().Length > 0).Select(l => l.StartsWith("        ", StringComparison.Ordinal) ? l[8..] : l)];
        Assert.That(shown, Is.EqualTo(compiled), "README.md and tests/Readme/LibraryExample.cs differ");
    }

    [Test]
    public void TheExampleTrainsTwoReplicasAndWritesTheRunFolder()
    {
        string dir = Directory.CreateTempSubdirectory("bn-readme-").FullName;
        string? cwd = Environment.CurrentDirectory, data = Environment.GetEnvironmentVariable("BERTNATIVE_DATA");
        var output = new StringWriter();
        var console = Console.Out;
        try
        {
            Environment.SetEnvironmentVariable("BERTNATIVE_DATA", TestData.WikiTextDir);
            Environment.CurrentDirectory = dir;
            Console.SetOut(output);
            LibraryExample.Run();
        }
        finally
        {
            Console.SetOut(console);
            Environment.CurrentDirectory = cwd;
            Environment.SetEnvironmentVariable("BERTNATIVE_DATA", data);
        }
        try
        {
            string run = Path.Combine(dir, "runs", "from-code");
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
            Assert.Multiple(() =>
            {
                Assert.That(output.ToString(), Does.Contain("step 10: MLM ").And.Contain("MLM loss "));
                Assert.That(summary.RootElement.GetProperty("replicas").GetInt32(), Is.EqualTo(2));
                Assert.That(summary.RootElement.GetProperty("steps").GetInt32(), Is.EqualTo(10));
                Assert.That(double.IsFinite(summary.RootElement.GetProperty("mlm").GetDouble()), Is.True);
                Assert.That(File.Exists(Path.Combine(run, "checkpoint", "model.safetensors")) && File.Exists(Path.Combine(run, "loss.svg")), Is.True);
            });
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
