using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Data;
using BertNative.Model.Inference;
using BertNative.Model.Tokenization;

namespace BertNative.Bench.Profiling;

/// <summary>Where the encoder's forward spends its time on the cpu backend, op by op, on all-MiniLM-L6-v2's shape
/// (6 layers, hidden 384, 12 heads, FFN 1536, Hugging Face's architecture) and the batch of the embed benchmark
/// (32 x 128 tokens by default; `profile encode [cpu|ilgpu-cpu] [batch] [tokens] [rounds]`). Random weights: the time does
/// not depend on them. A print.</summary>
public static class EncodeProfile
{
    public static void Run(string backendName = "cpu", int Batch = 32, int Tokens = 128, int Rounds = 5)
    {
        var config = BertConfig.HuggingFace(30_522, hidden: 384, ffnHidden: 1536, heads: 12, layers: 6, maxPosition: 512);
        var vocabulary = new Vocabulary([.. Vocabulary.Reserved, .. Enumerable.Range(0, config.VocabSize - Vocabulary.Reserved.Length).Select(i => $"w{i}")]);
        var parameters = Initialization.Initialize(ParameterLayout.Of(config), new SeededRandom(1));
        var rng = new SeededRandom(2);
        int[] ids = [.. Enumerable.Range(0, Tokens).Select(_ => 5 + rng.NextInt(config.VocabSize - 5))];
        var input = new TokenizedText([.. ids.Select(i => $"w{i}")], ids, new int[Tokens]);
        var inputs = Enumerable.Repeat(input, Batch).ToList();

        var setup = System.Diagnostics.Stopwatch.StartNew();
        using var timed = new TimedBackend(backendName == "ilgpu-cpu" ? BertNative.Ilgpu.IlgpuBackend.Create(BertNative.Ilgpu.IlgpuDeviceKind.Cpu) : new CpuBackend());
        var encoder = new BatchEncoder(timed, config, vocabulary, parameters, Batch, Tokens);
        encoder.Encode(inputs); // warm-up: JIT, first touch
        Console.WriteLine($"setup and first batch: {setup.Elapsed.TotalSeconds:F1} s");
        timed.Reset();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int r = 0; r < Rounds; r++) encoder.Encode(inputs);
        double wall = clock.Elapsed.TotalMilliseconds / Rounds;
        Console.WriteLine($"{timed.DeviceDescription}: MiniLM shape, batch {Batch} x {Tokens}; op, ms per batch, calls per batch");
        foreach (var (op, ms, calls) in timed.Times.OrderByDescending(t => t.Milliseconds))
            Console.WriteLine($"  {op,-28} {ms / Rounds,8:F1} {calls / Rounds,5}");
        double inside = timed.Times.Sum(t => t.Milliseconds) / Rounds;
        Console.WriteLine($"  batch {wall:F0} ms ({inside:F0} inside ops): {Batch / wall * 1000:F1} sentences/s");
    }
}
