using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Inference;
using BertNative.Model.Tokenization;
using BertNative.Tests.Cli;
using BertNative.Tests.Export;
using BertNative.Tests.Support;

namespace BertNative.Tests.Hf;

/// <summary>
/// all-MiniLM-L6-v2, imported from its ONNX export with `bertnative import`, against ONNX Runtime running the
/// original graph: the same token ids in, last_hidden_state within 1e-4 on every real token, on the cpu backend and on
/// the ilgpu backend's kernels run by ILGPU's CPU accelerator (a simulated GPU: minutes for these inputs, not hours,
/// since its GEMM reads operands directly there; the GPU's tiled GEMM is checked against cpu in BackendParityTests).
/// </summary>
[NonParallelizable]
public class MiniLmImportTests
{
    private const float Tolerance = 1e-4f;

    private MiniLm _package = null!;
    private string _checkpoint = "";
    private BertConfig _config = null!;
    private Vocabulary _vocabulary = null!;
    private float[] _parameters = [];
    private OnnxRuntimeModel _runtime = null!;

    [OneTimeSetUp]
    public void Import()
    {
        _package = new MiniLm();
        _checkpoint = Path.Combine(_package.Folder, "checkpoint");
        var (code, output, err) = CliRunner.Run("import", "--from", _package.OnnxPath, "--out", _checkpoint);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("6 layers, 384 hidden, 12 heads, 1536 FFN (gelu), vocab 30522 (WordPiece, uncased), 512 positions"));
        Assert.That(err, Does.Contain("103 tensors, all used").And.Contain("no masked-LM head, next-sentence head: initialised afresh"));
        (_config, _vocabulary, _parameters) = Checkpoint.Load(_checkpoint);
        _runtime = new OnnxRuntimeModel(_package.OnnxPath);
    }

    [OneTimeTearDown]
    public void Remove()
    {
        _runtime?.Dispose();
        _package?.Dispose();
    }

    /// <summary>Single sentences and pairs: accents, CJK, emoji, unknown words, a typed [MASK], a word of 120 letters, odd spaces.</summary>
    public static readonly (string A, string? B)[] Inputs =
    [
        ("a crane is flying", null),
        ("a crane driver came", "he just left"),
        ("The café served crème brûlée to Ångström.", null),
        ("naïve façade résumé Zoë", "Straße ŁÓDŹ İstanbul"),
        ("東京は日本の首都です。", null),
        ("I love pizza 🍕 and 😀!", null),
        ("xqzvxqzv blorfnik wugglestrom", "zzyzx qwfp"),
        ("The [MASK] sat on the mat.", null),
        ("Paris is the [MASK] of France.", "It is a [MASK] city."),
        (new string('a', 120) + " is a long word", null),
        ("e-mail: someone@example.com costs $5.99 (approx.)", null),
        ("한국어 텍스트", "Ελληνικά και русский"),
        ("tab\tseparated\u00a0nbsp\u200bzero-width", null),
        ("don't won't it's", "They'll've gone."),
        ("ﬁnance ℌilbert ½", null),
        ("Hello", null),
        ("What is the capital of Germany?", "Berlin is the capital and largest city of Germany."),
        ("unbelievably antidisestablishmentarianism", null),
        ("A man is playing a guitar.", "A woman is slicing an onion."),
        ("   leading and trailing spaces   ", "   "),
        ("Numbers: 3.14159, 2,718, 1e-12 and 42%", null),
    ];

    private TokenizedText Tokenize((string A, string? B) input, int maxLength = 512) =>
        new WordPieceTokenizer(_vocabulary).Encode(input.A, input.B, maxLength);

    /// <summary>The backends the encoder is checked on: cpu, and ilgpu on ILGPU's CPU accelerator.</summary>
    public static readonly string[] Backends = ["cpu", "ilgpu-cpu"];

    private static IBackend Open(string backend) => backend == "cpu" ? new CpuBackend() : TestGpuBackends.Create(backend);

    [Test]
    public void EveryInputMatchesOnnxRuntime([Range(0, 20)] int index, [ValueSource(nameof(Backends))] string backend)
    {
        var input = Tokenize(Inputs[index]);
        using var device = Open(backend); // the backend frees the model's buffers
        var ours = TextEncoder.Encode(device, _config, _vocabulary, _parameters, input);
        AssertMatchesRuntime([input], [ours.Output]);
    }

    [Test]
    public void HandCheckedIdsAreTheOnesFed()
    {
        Assert.Multiple(() =>
        {
            // vocab.txt: [CLS] 101, "the" 1996, [MASK] 103, "sat" 2938, "on" 2006, "mat" 13523, "." 1012, [SEP] 102.
            Assert.That(Tokenize(Inputs[7]).Ids, Is.EqualTo(new[] { 101, 1996, 103, 2938, 2006, 1996, 13523, 1012, 102 }));
            // A word over 100 characters is one [UNK] (100).
            Assert.That(Tokenize(Inputs[9]).Ids[1], Is.EqualTo(100));
            Assert.That(Tokenize(Inputs[1]).Segments, Is.EqualTo(new[] { 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 }));
        });
    }

    [Test]
    public void AnInputCutAtTheModelsLengthMatches([ValueSource(nameof(Backends))] string backend)
    {
        string longText = string.Join(' ', Enumerable.Repeat("The quick brown fox jumps over the lazy dog.", 60));
        var input = Tokenize((longText, "and a second sentence"));
        Assert.That(input.Length, Is.EqualTo(512));
        Assert.That(input.Truncated, Is.True);
        using var device = Open(backend);
        var ours = TextEncoder.Encode(device, _config, _vocabulary, _parameters, input);
        AssertMatchesRuntime([input], [ours.Output]);
    }

    [Test]
    public void ARightPaddedBatchMatchesOnEveryRealToken([ValueSource(nameof(Backends))] string backend)
    {
        var inputs = Inputs.Take(8).Select(i => Tokenize(i)).ToList();
        Assert.That(inputs.Select(i => i.Length).Distinct().Count(), Is.GreaterThan(1), "lengths differ, so the batch pads");
        using var device = Open(backend);
        var encoder = new BatchEncoder(device, _config, _vocabulary, _parameters, inputs.Count, inputs.Max(i => i.Length));
        AssertMatchesRuntime(inputs, encoder.Encode(inputs));
    }

    /// <summary>Hugging Face's call with any attention mask: a left-padded batch and masks with holes, fed as the same
    /// input_ids, token_type_ids and attention_mask to ONNX Runtime; every position matches, masked ones included.</summary>
    [Test]
    public void AnyAttentionMaskMatchesOnEveryPosition([Values] bool leftPadded, [ValueSource(nameof(Backends))] string backend)
    {
        var inputs = Inputs.Skip(16).Take(4).Select(i => Tokenize(i)).ToList();
        int B = inputs.Count, T = inputs.Max(i => i.Length), H = MiniLm.Hidden;
        int[] ids = new int[B * T], types = new int[B * T], mask = new int[B * T];
        for (int b = 0; b < B; b++)
        {
            int pad = leftPadded ? T - inputs[b].Length : 0;
            for (int t = 0; t < inputs[b].Length; t++)
            {
                int at = b * T + pad + t;
                (ids[at], types[at]) = (inputs[b].Ids[t], inputs[b].Segments[t]);
                mask[at] = leftPadded || t % 4 != 2 ? 1 : 0; // holes: every fourth token from the third hidden
            }
        }
        using var device = Open(backend);
        var encoder = new BatchEncoder(device, _config, _vocabulary, _parameters, batchSize: 3, T); // two batches, the second of one
        var ours = encoder.EncodeIds(ids, types, mask, B, T);
        var (hidden, _) = _runtime.Run([.. ids.Select(i => (long)i)], [.. types.Select(i => (long)i)], [.. mask.Select(i => (long)i)], B, T)["last_hidden_state"];
        Assert.That(ours, Has.Length.EqualTo(B * T * H));
        Assert.That(ours, Has.All.Matches<float>(float.IsFinite));
        float worst = Enumerable.Range(0, ours.Length).Max(i => Math.Abs(ours[i] - hidden[i]));
        TestContext.Out.WriteLine($"largest |ONNX Runtime - ours| = {worst:E2} over {B} inputs of {T} positions ({(leftPadded ? "left-padded" : "holes")})");
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance));
    }

    [Test]
    public void EncodeJsonIsReproducedByOnnxRuntime()
    {
        var (code, output, err) = CliRunner.Run("encode", "--checkpoint", _checkpoint, "--device", "cpu", "--text", "The café is closed.", "--pair", "Come back tomorrow 🙂", "--json");
        Assert.That(code, Is.Zero, err);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var root = json.RootElement;
        int[] ids = [.. root.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32())];
        int[] segments = [.. root.GetProperty("segments").EnumerateArray().Select(e => e.GetInt32())];
        float[] values = [.. root.GetProperty("output").EnumerateArray().Select(e => e.GetSingle())];
        Assert.That(root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, ids.Length, MiniLm.Hidden }));
        Assert.That(ids, Is.EqualTo(Tokenize(("The café is closed.", "Come back tomorrow 🙂")).Ids));
        AssertMatchesRuntime([new TokenizedText(new string[ids.Length], ids, segments)], [values]);
    }

    [Test]
    public void EmbedMeanNormalizeIsTheSentenceTransformersRecipeOnOnnxRuntimesOutput()
    {
        var sentences = Inputs.Select(i => i.A).Where(s => s.Trim().Length > 0).Take(12).ToList();
        string lines = Path.Combine(_package.Folder, "sentences.txt"), npy = Path.Combine(_package.Folder, "embeddings.npy");
        File.WriteAllLines(lines, sentences);
        var (code, output, err) = CliRunner.Run("embed", "--checkpoint", _checkpoint, "--device", "cpu", "--input", lines, "--pooling", "mean", "--normalize", "--batch", "5", "--out", npy);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain($"float32 [{sentences.Count}, {MiniLm.Hidden}]"));
        var (values, rows, columns) = NpyFile.Read(npy);
        Assert.That((rows, columns), Is.EqualTo((sentences.Count, MiniLm.Hidden)));
        float worst = 0;
        for (int s = 0; s < sentences.Count; s++)
        {
            // sentence-transformers: mean of last_hidden_state over the attention mask, then divide by the L2 norm.
            var input = Tokenize((sentences[s], null));
            long[] ones = [.. Enumerable.Repeat(1L, input.Length)];
            var (hidden, _) = _runtime.Run([.. input.Ids.Select(i => (long)i)], [.. input.Segments.Select(i => (long)i)], ones, 1, input.Length)["last_hidden_state"];
            var mean = Enumerable.Range(0, MiniLm.Hidden).Select(c => Enumerable.Range(0, input.Length).Average(t => (double)hidden[t * MiniLm.Hidden + c])).ToArray();
            double norm = Math.Sqrt(mean.Sum(v => v * v));
            for (int c = 0; c < MiniLm.Hidden; c++) worst = Math.Max(worst, (float)Math.Abs(mean[c] / norm - values[s * MiniLm.Hidden + c]));
            Assert.That(Math.Sqrt(Enumerable.Range(0, MiniLm.Hidden).Sum(c => (double)values[s * MiniLm.Hidden + c] * values[s * MiniLm.Hidden + c])), Is.EqualTo(1).Within(1e-5));
        }
        TestContext.Out.WriteLine($"largest |recipe on ONNX Runtime - embed| = {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-5f));
    }

    [Test]
    public void EmbedWritesJsonLinesAndClsPooling()
    {
        var (code, output, err) = CliRunner.Run("embed", "--checkpoint", _checkpoint, "--device", "cpu", "--text", "A man is playing a guitar.", "--pooling", "cls");
        Assert.That(code, Is.Zero, err);
        using var json = System.Text.Json.JsonDocument.Parse(output.Trim());
        float[] embedding = [.. json.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
        var input = Tokenize(("A man is playing a guitar.", null));
        var (hidden, _) = _runtime.Run([.. input.Ids.Select(i => (long)i)], [.. input.Segments.Select(i => (long)i)], [.. Enumerable.Repeat(1L, input.Length)], 1, input.Length)["last_hidden_state"];
        Assert.That(json.RootElement.GetProperty("text").GetString(), Is.EqualTo("A man is playing a guitar."));
        Assert.That(embedding, Is.EqualTo(hidden[..MiniLm.Hidden]).Within(1e-4f), "the [CLS] row");
    }

    [Test]
    public void TheImportedModelExportedAsHfRunsInAPyTorchBertLikeOnnxRuntime()
    {
        string hf = Path.Combine(_package.Folder, "hf");
        var (code, _, err) = CliRunner.Run("export", "--checkpoint", _checkpoint, "--format", "hf", "--out", hf);
        Assert.That(code, Is.Zero, err);
        var inputs = Inputs.Take(6).Select(i => Tokenize(i)).ToList();
        var torch = HfTorchReference.Run(hf, inputs, Path.Combine(_package.Folder, "torch"));
        AssertMatchesRuntime(inputs, [.. inputs.Select((input, b) => torch.Rows(b, input.Length))]);
    }

    [Test]
    public void ItsOnnxExportMatchesTheOriginalGraph()
    {
        string onnx = Path.Combine(_package.Folder, "reexported.onnx");
        var (code, _, err) = CliRunner.Run("export", "--checkpoint", _checkpoint, "--format", "onnx", "--out", onnx);
        Assert.That(code, Is.Zero, err);
        var initializers = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).Graph.Initializer.Select(t => t.Name).ToList();
        Assert.That(initializers, Does.Contain("encoder.embedding_norm.weight").And.Not.Contain("embeddings.LayerNorm.weight"), "our graph, under our names");
        var inputs = Inputs.Skip(8).Take(6).Select(i => Tokenize(i)).ToList();
        int B = inputs.Count, T = inputs.Max(i => i.Length), H = MiniLm.Hidden;
        long[] ids = new long[B * T], segments = new long[B * T], mask = new long[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < inputs[b].Length; t++) (ids[b * T + t], segments[b * T + t], mask[b * T + t]) = (inputs[b].Ids[t], inputs[b].Segments[t], 1);
        using var reexported = new OnnxRuntimeModel(onnx);
        var (hidden, _) = reexported.Run(ids, segments, mask, B, T)["last_hidden_state"];
        AssertMatchesRuntime(inputs, [.. inputs.Select((input, b) => hidden.AsSpan(b * T * H, input.Length * H).ToArray())]);
    }

    /// <summary>Runs ONNX Runtime on the inputs as one right-padded batch (attention mask 0 on padding) and compares each real token's row.</summary>
    private void AssertMatchesRuntime(IReadOnlyList<TokenizedText> inputs, IReadOnlyList<float[]> ours)
    {
        int B = inputs.Count, T = inputs.Max(i => i.Length), H = MiniLm.Hidden;
        long[] ids = new long[B * T], segments = new long[B * T], mask = new long[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < inputs[b].Length; t++)
                (ids[b * T + t], segments[b * T + t], mask[b * T + t]) = (inputs[b].Ids[t], inputs[b].Segments[t], 1);
        var (hidden, shape) = _runtime.Run(ids, segments, mask, B, T)["last_hidden_state"];
        Assert.That(shape, Is.EqualTo(new long[] { B, T, H }));
        float worst = 0;
        for (int b = 0; b < B; b++)
        {
            Assert.That(ours[b], Has.Length.EqualTo(inputs[b].Length * H));
            for (int i = 0; i < inputs[b].Length * H; i++)
            {
                float d = Math.Abs(hidden[b * T * H + i] - ours[b][i]);
                Assert.That(float.IsFinite(ours[b][i]), $"input {b}, element {i} is {ours[b][i]}");
                worst = Math.Max(worst, d);
            }
        }
        TestContext.Out.WriteLine($"largest |ONNX Runtime - ours| = {worst:E2} over {B} input(s) of up to {T} tokens");
        Assert.That(worst, Is.LessThanOrEqualTo(Tolerance));
    }
}
