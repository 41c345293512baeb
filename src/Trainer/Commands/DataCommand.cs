using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Training;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`data`: builds the NSP/MLM examples and prints what a user wants to know about them.</summary>
public sealed class DataCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "data";
    public override string Summary => "build the WikiText-2 NSP/MLM examples and print dataset statistics";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        DataOptions.DataDir, DataOptions.MaxLen, DataOptions.Seed,
        OptionSpec.Flag("json", "print one JSON object instead of a table"),
        OptionSpec.Value("export-batches", "FILE", null, "also write --batches-count batches of --batch pairs as safetensors (for PyTorch side-by-sides)"),
        OptionSpec.Value("batch", "N", "512", "pairs per exported batch"),
        OptionSpec.Value("batches-count", "K", "4", "how many batches to export"),
    ];

    public override int Run(ParsedOptions o)
    {
        int maxLen = DataOptions.ReadMaxLen(o);
        ulong seed = o.Seed() ?? SeededRandom.FreshSeed();
        string dir = WikiTextSource.Resolve(o.String("data"), stderr);
        var dataset = WikiTextDataset.Load(dir, maxLen, seed);
        var s = dataset.Statistics;
        if (o.String("export-batches") is { } exportPath)
        {
            // The same sampler stream as pretrain with this seed: the exported batches are its first ones.
            var batches = BatchFile.Sample(dataset.Examples, o.Int("batch", 1, 1 << 20), o.Int("batches-count", 1, 10_000), seed ^ SeedStreams.Batches);
            if (Directory.Exists(exportPath)) throw new BertNativeException($"--export-batches {exportPath} is a folder; pass a file path, e.g. {Path.Combine(exportPath, "batches.safetensors")}");
            try { BatchFile.Write(exportPath, batches); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            { throw new BertNativeException($"cannot write --export-batches {exportPath}: {e.Message}; pass a file in a writable folder with room for it", e); }
            stderr.WriteLine($"wrote {batches.Count} batch{(batches.Count == 1 ? "" : "es")} of {batches[0].Size} pairs to {exportPath}");
        }
        if (o.Flag("json"))
        {
            stdout.WriteLine(JsonFormat.Line(s));
            return CliApp.ExitOk;
        }
        stdout.WriteLine($"WikiText-2 train from {dir}");
        stdout.WriteLine($"  paragraphs            {s.Paragraphs,12:N0}");
        stdout.WriteLine($"  sentences             {s.Sentences,12:N0}");
        stdout.WriteLine($"  tokens                {s.Tokens,12:N0}");
        stdout.WriteLine($"  vocabulary            {s.VocabSize,12:N0}   (<unk> + 4 reserved + tokens seen >= 5 times)");
        stdout.WriteLine($"Examples (max_len {s.MaxLen}, {s.PredictionSlots} MLM slots, seed {s.Seed})");
        stdout.WriteLine($"  examples              {s.Examples,12:N0}");
        stdout.WriteLine($"  is-next fraction      {s.NspPositiveFraction,12:F4}");
        stdout.WriteLine($"  mean valid length     {s.MeanValidLen,12:F2}");
        stdout.WriteLine($"  mean MLM predictions  {s.MeanMlmPredictions,12:F3}   ({s.PaddingSlotFraction:P1} of slots are padding)");
        stdout.WriteLine($"  built in              {s.BuildSeconds,12:F3} s   (reading {s.ReadSeconds:F3} s)");
        return CliApp.ExitOk;
    }
}
