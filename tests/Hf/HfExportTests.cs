using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Tokenization;
using BertNative.Tests.Cli;
using BertNative.Tests.Model;

namespace BertNative.Tests.Hf;

/// <summary>`export --format hf` and `import` are inverses, and the folder has Hugging Face's names and layout.</summary>
public class HfExportTests
{
    private string _dir = "";

    [SetUp]
    public void MakeFolder() => _dir = Directory.CreateTempSubdirectory("bn-hf-").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string SaveTiny(BertConfig config, ulong seed)
    {
        var vocabulary = new BertNative.Model.Data.Vocabulary(
            ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Enumerable.Range(0, config.VocabSize - 5).Select(i => $"w{i}")], TokenizerSettings.WordPiece(lowerCase: true));
        string checkpoint = Path.Combine(_dir, "original");
        Checkpoint.Save(checkpoint, config, vocabulary, TinyBert.Init(config, seed));
        return checkpoint;
    }

    private static BertConfig TinyHf(bool tied) =>
        BertConfig.HuggingFace(vocabSize: 40, hidden: 16, ffnHidden: 32, heads: 2, layers: 2, maxPosition: 24, typeVocabSize: 3) with { TieDecoder = tied };

    [TestCase(true)]
    [TestCase(false)]
    public void ImportOfExportIsTheSameCheckpointBitForBit(bool tied)
    {
        string original = SaveTiny(TinyHf(tied), seed: 5);
        string hf = Path.Combine(_dir, "hf"), back = Path.Combine(_dir, "back");
        var (code, output, err) = CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf);
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("BertForPreTraining.from_pretrained"));
        (code, _, err) = CliRunner.Run("import", "--from", hf, "--out", back);
        Assert.That(code, Is.Zero, err);
        Assert.That(err, Does.Not.Contain("afresh"), "every head came back");

        var (c1, v1, p1) = Checkpoint.Load(original);
        var (c2, v2, p2) = Checkpoint.Load(back);
        Assert.Multiple(() =>
        {
            Assert.That(c2, Is.EqualTo(c1));
            Assert.That(v2.Tokenizer, Is.EqualTo(v1.Tokenizer));
            Assert.That(Enumerable.Range(0, v2.Count).Select(i => v2[i]), Is.EqualTo(Enumerable.Range(0, v1.Count).Select(i => v1[i])));
            Assert.That(p2.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(p1.Select(BitConverter.SingleToInt32Bits)));
        });
    }

    [Test]
    public void TheFolderHasHuggingFacesNamesShapesAndLabelOrder()
    {
        var config = TinyHf(tied: true);
        string original = SaveTiny(config, seed: 6);
        string hf = Path.Combine(_dir, "hf");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        var tensors = SafeTensors.Read(Path.Combine(hf, "model.safetensors"));
        var (_, _, parameters) = Checkpoint.Load(original);
        var layout = ParameterLayout.Of(config);
        float[] Ours(string name) => parameters.AsSpan((int)layout[name].Offset, (int)layout[name].Count).ToArray();
        var config_json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(hf, "config.json"))).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(tensors["bert.embeddings.position_embeddings.weight"].Shape, Is.EqualTo(new[] { 24, 16 }));
            Assert.That(tensors["bert.embeddings.token_type_embeddings.weight"].Shape, Is.EqualTo(new[] { 3, 16 }));
            Assert.That(tensors["bert.embeddings.LayerNorm.weight"].Floats, Is.EqualTo(Ours("encoder.embedding_norm.weight")));
            Assert.That(tensors["bert.encoder.layer.1.attention.self.key.weight"].Floats, Is.EqualTo(Ours("encoder.blks.1.attention.W_k.weight")));
            Assert.That(tensors["bert.encoder.layer.0.intermediate.dense.weight"].Shape, Is.EqualTo(new[] { 32, 16 }));
            Assert.That(tensors["bert.pooler.dense.bias"].Floats, Is.EqualTo(Ours("hidden.0.bias")));
            Assert.That(tensors["cls.predictions.transform.LayerNorm.bias"].Floats, Is.EqualTo(Ours("mlm.mlp.2.bias")));
            Assert.That(tensors["cls.predictions.decoder.weight"].Floats, Is.EqualTo(Ours("encoder.token_embedding.weight")), "the tied decoder is the word embeddings");
            Assert.That(tensors["cls.predictions.bias"].Floats, Is.EqualTo(Ours("mlm.mlp.3.bias")));
            // Hugging Face's NSP label 0 is "is next", ours 1: the rows swap.
            Assert.That(tensors["cls.seq_relationship.weight"].Floats![..16], Is.EqualTo(Ours("nsp.output.weight")[16..]));
            Assert.That(tensors["cls.seq_relationship.bias"].Floats, Is.EqualTo(Ours("nsp.output.bias").Reverse()));
            Assert.That(tensors, Has.Count.EqualTo(5 + 16 * 2 + 2 + 4 + 2 + 2));
            Assert.That(config_json.GetProperty("model_type").GetString(), Is.EqualTo("bert"));
            Assert.That(config_json.GetProperty("type_vocab_size").GetInt32(), Is.EqualTo(3));
            Assert.That(config_json.GetProperty("layer_norm_eps").GetDouble(), Is.EqualTo(1e-12).Within(1e-18));
            Assert.That(File.ReadAllLines(Path.Combine(hf, "vocab.txt"))[2], Is.EqualTo("[CLS]"));
        });
    }

    /// <summary>The exported folder in a PyTorch BertForPreTraining (Hugging Face names and conventions) gives our encoder's rows,
    /// and the MLM and NSP logits of our ONNX export with heads (NSP columns swapped: Hugging Face's 0 is "is next").</summary>
    [TestCase(true), Category("PyTorch")]
    [TestCase(false), Category("PyTorch")]
    public void APyTorchBertReadingTheHfNamesComputesWhatWeDo(bool tied)
    {
        var config = TinyHf(tied);
        string original = SaveTiny(config, seed: 9);
        string hf = Path.Combine(_dir, "hf"), onnx = Path.Combine(_dir, "heads.onnx");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "onnx", "--heads", "--out", onnx).Code, Is.Zero);
        var (_, vocabulary, parameters) = Checkpoint.Load(original);
        var rng = new BertNative.Model.Data.SeededRandom(3);
        var inputs = new[] { 7, 12, 4 }.Select(n => new TokenizedText(new string[n],
            [2, .. Enumerable.Range(0, n - 2).Select(_ => 5 + rng.NextInt(35)), 3], [.. Enumerable.Range(0, n).Select(t => t < n / 2 ? 0 : t % 3)])).ToList();
        var torch = HfTorchReference.Run(hf, inputs, Path.Combine(_dir, "torch"));

        using var cpu = new BertNative.Cpu.CpuBackend();
        var ours = new BertNative.Model.Inference.BatchEncoder(cpu, config, vocabulary, parameters, inputs.Count, 12).Encode(inputs);
        int B = inputs.Count, T = torch.Sequence;
        long[] ids = new long[B * T], types = new long[B * T], mask = new long[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < inputs[b].Length; t++) (ids[b * T + t], types[b * T + t], mask[b * T + t]) = (inputs[b].Ids[t], inputs[b].Segments[t], 1);
        using var runtime = new BertNative.Tests.Export.OnnxRuntimeModel(onnx);
        var heads = runtime.Run(ids, types, mask, B, T);
        var mlm = torch.Outputs["prediction_logits"].Floats!;
        var nsp = torch.Outputs["seq_relationship_logits"].Floats!;
        Assert.Multiple(() =>
        {
            for (int b = 0; b < B; b++)
            {
                Assert.That(torch.Rows(b, inputs[b].Length), Is.EqualTo(ours[b]).Within(1e-4f), $"last_hidden_state of input {b}");
                int real = inputs[b].Length * config.VocabSize;
                Assert.That(mlm.AsSpan(b * T * config.VocabSize, real).ToArray(), Is.EqualTo(heads["mlm_logits"].Values.AsSpan(b * T * config.VocabSize, real).ToArray()).Within(1e-4f), $"MLM logits of input {b}");
                Assert.That(new[] { nsp[2 * b + 1], nsp[2 * b] }, Is.EqualTo(heads["nsp_logits"].Values[(2 * b)..(2 * b + 2)]).Within(1e-4f), $"NSP logits of input {b}");
            }
        });
    }

    [Test, Category("PyTorch")]
    public void APyTorchBertGivenAnyAttentionMaskComputesWhatWeDo()
    {
        // Left padding in input 0, holes in input 1, both in input 2: every position compared, masked ones included.
        var config = TinyHf(tied: true);
        string original = SaveTiny(config, seed: 11);
        string hf = Path.Combine(_dir, "hf");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        var (_, vocabulary, parameters) = Checkpoint.Load(original);
        const int B = 3, T = 9;
        var rng = new BertNative.Model.Data.SeededRandom(4);
        int[] ids = [.. Enumerable.Range(0, B * T).Select(_ => 5 + rng.NextInt(35))];
        int[] types = [.. Enumerable.Range(0, B * T).Select(i => i % T < 5 ? 0 : 1)];
        int[] mask = [0, 0, 0, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 0, 1, 0, 1, 1, 1, 0, /**/ 0, 0, 1, 1, 0, 1, 1, 1, 1];
        var torch = HfTorchReference.Run(hf, [.. ids.Select(i => (long)i)], [.. types.Select(i => (long)i)], [.. mask.Select(i => (long)i)], B, T, Path.Combine(_dir, "torch"));

        using var cpu = new BertNative.Cpu.CpuBackend();
        var ours = new BertNative.Model.Inference.BatchEncoder(cpu, config, vocabulary, parameters, B, T).EncodeIds(ids, types, mask, B, T);
        Assert.That(ours, Is.EqualTo(torch.Outputs["last_hidden_state"].Floats!).Within(1e-4f));
    }

    [Test]
    public void TheBooksArchitectureIsRefusedWithOneLine()
    {
        string checkpoint = Path.Combine(_dir, "book");
        var config = TinyBert.Config();
        Checkpoint.Save(checkpoint, config, TinyBert.Examples.Vocabulary, TinyBert.Init(config));
        var (code, _, err) = CliRunner.Run("export", "--checkpoint", checkpoint, "--format", "hf", "--out", Path.Combine(_dir, "hf"));
        CliRunner.AssertError(code, err, 1, "no LayerNorm after the embeddings");
    }

    [Test]
    public void AMissingOrLeftOverTensorIsOneLineNamingIt()
    {
        string original = SaveTiny(TinyHf(tied: true), seed: 7);
        string hf = Path.Combine(_dir, "hf");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        string weights = Path.Combine(hf, "model.safetensors");
        var tensors = SafeTensors.Read(weights);

        SafeTensors.Write(weights, [.. tensors.Values.Where(t => t.Name != "bert.encoder.layer.1.output.dense.bias")]);
        var (code, _, err) = CliRunner.Run("import", "--from", hf, "--out", Path.Combine(_dir, "x"));
        CliRunner.AssertError(code, err, 1, "tensor encoder.layer.1.output.dense.bias is missing");

        SafeTensors.Write(weights, [.. tensors.Values, new NamedTensor("bert.encoder.layer.0.extra.weight", [2], Floats: [1f, 2f])]);
        (code, _, err) = CliRunner.Run("import", "--from", hf, "--out", Path.Combine(_dir, "y"));
        CliRunner.AssertError(code, err, 1, "tensor bert.encoder.layer.0.extra.weight is not part of a BERT we know");
    }

    [Test]
    public void OldStyleNamesGammaBetaAndIntegerBuffersAreRead()
    {
        string original = SaveTiny(TinyHf(tied: true), seed: 10);
        string hf = Path.Combine(_dir, "hf");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        string weights = Path.Combine(hf, "model.safetensors");
        // bert-base-uncased's file: LayerNorm "gamma"/"beta", and an I64 position_ids buffer beside the weights.
        var renamed = SafeTensors.Read(weights).Values.Select(t => t with
        {
            Name = t.Name.Contains("LayerNorm.") ? t.Name.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta") : t.Name,
        }).Append(new NamedTensor("bert.embeddings.position_ids", [1, 24], Longs: [.. Enumerable.Range(0, 24).Select(i => (long)i)])).ToList();
        SafeTensors.Write(weights, renamed);
        Assert.That(renamed.Count(t => t.Name.EndsWith(".gamma", StringComparison.Ordinal)), Is.EqualTo(1 + 2 * 2 + 1));
        var (code, _, err) = CliRunner.Run("import", "--from", hf, "--out", Path.Combine(_dir, "back"));
        Assert.That(code, Is.Zero, err);
        Assert.That(Checkpoint.Load(Path.Combine(_dir, "back")).Parameters, Is.EqualTo(Checkpoint.Load(original).Parameters));
    }

    [Test]
    public void HalfPrecisionWeightsAreWidenedOnImport()
    {
        string original = SaveTiny(TinyHf(tied: true), seed: 8);
        string hf = Path.Combine(_dir, "hf");
        Assert.That(CliRunner.Run("export", "--checkpoint", original, "--format", "hf", "--out", hf).Code, Is.Zero);
        string weights = Path.Combine(hf, "model.safetensors");
        var tensors = SafeTensors.Read(weights);
        // Rewrite the file with every tensor as BF16 (the upper half of each float) and one as F16.
        HalfPrecisionFile.Write(weights, tensors.Values.ToList(), f16: "bert.pooler.dense.weight");
        var (code, _, err) = CliRunner.Run("import", "--from", hf, "--out", Path.Combine(_dir, "back"));
        Assert.That(code, Is.Zero, err);
        var (config, _, parameters) = Checkpoint.Load(Path.Combine(_dir, "back"));
        var layout = ParameterLayout.Of(config);
        var word = tensors["bert.embeddings.word_embeddings.weight"].Floats!;
        var pooler = tensors["bert.pooler.dense.weight"].Floats!;
        Assert.That(parameters[(int)layout["encoder.token_embedding.weight"].Offset + 3], Is.EqualTo(BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(word[3]) & ~0xFFFF)));
        Assert.That(parameters[(int)layout["hidden.0.weight"].Offset + 5], Is.EqualTo((float)(Half)pooler[5]));
    }
}
