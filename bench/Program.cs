using BenchmarkDotNet.Running;
using BertNative.Bench;
using BertNative.Bench.Comm;

if (args.Length > 0 && args[0] == "ring")
{
    RingBandwidth.Run(args);
    return;
}
// Every job runs in this process (see BenchConfig), so the built dll runs on a machine with only the .NET runtime.
BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly).Run(args, BenchConfig.Create());
