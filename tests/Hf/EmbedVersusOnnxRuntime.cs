using System.Diagnostics;
using BertNative.Cpu;
using BertNative.Model.Hf;
using BertNative.Model.Inference;
using BertNative.Model.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace BertNative.Tests.Hf;

/// <summary>
/// Speed of our encoder against ONNX Runtime on all-MiniLM-L6-v2, batch 32 of 128 tokens, same CPU and thread count,
/// alternating rounds. Ours is `embed`'s path (the encoder, then mean pooling and L2 normalisation of each sentence's
/// rows); ONNX Runtime's stops at last_hidden_state, so ours does a little more. A print, not a check: run it on purpose (--filter "FullyQualifiedName~EmbedVersusOnnxRuntime"
/// --output Detailed) on a quiet machine; it prints wall-clock sentences/s and, because other processes may share the
/// cores, sentences per CPU-second of this process.
/// </summary>
public class EmbedVersusOnnxRuntime
{
    [Test, Explicit("speed print, not a check"), Category("Benchmark")]
    public void PrintSentencesPerSecond()
    {
        const int Batch = 32, Tokens = 128, Rounds = 5;
        int threads = Environment.ProcessorCount;
        using var package = new MiniLm();
        var model = HfImport.Run(HfSource.Read(package.OnnxPath));
        var tokenizer = new WordPieceTokenizer(model.Vocabulary);
        string text = string.Join(' ', File.ReadLines(Support.TestData.ValidFile).Where(l => l.Length > 200).Take(Batch * 2));
        var input = tokenizer.Encode(text, null, Tokens);
        var inputs = Enumerable.Repeat(input, Batch).ToList();

        using var cpu = new CpuBackend(threads);
        var encoder = new BatchEncoder(cpu, model.Config, model.Vocabulary, model.Parameters, Batch, Tokens);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        // ONNX Runtime's pool threads otherwise spin for a while after each run, taking the cores from our next round.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(package.OnnxPath, options);
        long[] ids = [.. Enumerable.Range(0, Batch).SelectMany(_ => input.Ids.Select(i => (long)i))];
        long[] zeros = new long[Batch * Tokens], ones = [.. Enumerable.Repeat(1L, Batch * Tokens)];
        void Runtime()
        {
            long[] shape = [Batch, Tokens];
            using var a = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var b = OrtValue.CreateTensorValueFromMemory(zeros, shape);
            using var c = OrtValue.CreateTensorValueFromMemory(ones, shape);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["input_ids", "token_type_ids", "attention_mask"], [a, b, c], ["last_hidden_state"]);
        }
        void Ours() => encoder.EncodeRows(inputs, (_, rows) => SentencePooling.Pool(rows, model.Config.Hidden, Pooling.Mean, normalize: true));

        Ours(); Runtime(); // warm up
        var times = new Dictionary<string, List<(double Wall, double Cpu)>> { ["BertNative"] = [], ["ONNX Runtime 1.31.1"] = [] };
        for (int r = 0; r < Rounds; r++)
            foreach (var (name, action) in new (string, Action)[] { ("BertNative", Ours), ("ONNX Runtime 1.31.1", Runtime) })
            {
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                action();
                times[name].Add((clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds));
            }
        TestContext.Out.WriteLine($"all-MiniLM-L6-v2, batch {Batch} x {Tokens} tokens, {threads} threads, {cpu.DeviceDescription}; median of {Rounds} alternating rounds");
        foreach (var (name, list) in times)
        {
            double wall = list.Select(t => t.Wall).Order().ElementAt(Rounds / 2), cpuSeconds = list.Select(t => t.Cpu).Order().ElementAt(Rounds / 2);
            TestContext.Out.WriteLine($"{name,-20} {Batch / wall,8:F1} sentences/s (wall)   {Batch / cpuSeconds,8:F1} sentences per CPU-second");
        }
    }
}
