using BertNative.Model.Devices;
using BertNative.Model.Parallel;
using BertNative.Model.Training;

namespace BertNative.Tests.Readme;

/// <summary>The README's "Pretraining from .NET code" block, compiled here; <see cref="LibraryExampleTests"/> checks that the
/// README shows these lines and runs them.</summary>
public static class LibraryExample
{
    public static void Run()
    {
        // README begin
        var options = new PretrainOptions
        {
            Steps = 10, MicroBatch = 64, Seed = 7, Out = "runs/from-code", Overwrite = true,
            Parallel = new ReplicaOptions(DeviceChoice.Cpu(), Replicas: 2),
        };
        using var pretraining = Pretraining.Open(options, Console.Error); // backend, data and model lines go to the log
        var result = pretraining.Train(step => Console.WriteLine($"step {step.Step}: MLM {step.Mlm:F3}, NSP {step.Nsp:F3}"));
        var summary = pretraining.Finish(result)!; // checkpoint/, loss.svg and summary.json in runs/from-code
        Console.WriteLine($"MLM loss {summary.Mlm:F3}, NSP loss {summary.Nsp:F3} on {pretraining.DeviceLabel}");
        // README end
    }
}
