using BenchmarkDotNet.Running;
using BertNative.Bench;
using BertNative.Bench.Comm;
using BertNative.Bench.Profiling;

switch (args.FirstOrDefault())
{
    case "ring":
        RingBandwidth.Run(args);
        return;
    case "profile" when args.ElementAtOrDefault(1) is "ops" or null:
        StepProfile.Run();
        return;
    case "profile" when args[1] == "launches":
        LaunchProfile.Run();
        return;
    case "profile" when args[1] == "encode":
        EncodeProfile.Run(args.ElementAtOrDefault(2) ?? "cpu", int.Parse(args.ElementAtOrDefault(3) ?? "32"), int.Parse(args.ElementAtOrDefault(4) ?? "128"),
            int.Parse(args.ElementAtOrDefault(5) ?? "5"));
        return;
    case "profile":
        Console.Error.WriteLine($"profile {args[1]}: unknown; use 'profile ops', 'profile launches' or 'profile encode'");
        Environment.Exit(2);
        return;
}
// Every job runs in this process (see BenchConfig), so the built dll runs on a machine with only the .NET runtime.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create());
