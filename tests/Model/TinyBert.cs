using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Parallel;
using BertNative.Tests.Support;

namespace BertNative.Tests.Model;

/// <summary>A small BERT on real WikiText-2 (valid split) batches, shared by the model tests.</summary>
public static class TinyBert
{
    public const int MaxLen = 32, BatchSize = 8;

    private static readonly Lazy<PretrainingExamples> ValidExamples = new(() => ExampleBuilder.Build(Corpus.Read(TestData.ValidFile), MaxLen, seed: 1));

    public static PretrainingExamples Examples => ValidExamples.Value;

    public static BertConfig Config(Activation activation = Activation.Relu, float dropout = 0f, int vocabSize = 0) => new()
    {
        VocabSize = vocabSize > 0 ? vocabSize : Examples.Vocabulary.Count, Hidden = 32, FfnHidden = 64, Heads = 2, Layers = 2,
        MaxPosition = 40, Dropout = dropout, FfnActivation = activation,
    };

    /// <summary><see cref="Config"/>'s shape with Hugging Face's architecture (embedding LayerNorm, GELU MLM transform,
    /// tied decoder, eps 1e-12).</summary>
    public static BertConfig HuggingFaceConfig(float dropout = 0f, int vocabSize = 0) =>
        BertConfig.HuggingFace(vocabSize > 0 ? vocabSize : Examples.Vocabulary.Count, hidden: 32, ffnHidden: 64, heads: 2, layers: 2,
            maxPosition: 40, dropout: dropout);

    private static readonly Lazy<PretrainingExamples> SyntheticExamples = new(() =>
    {
        // Twenty words, each common enough for the vocabulary: a corpus small enough for ILGPU's simulated GPU.
        var rng = new SeededRandom(12);
        var lines = Enumerable.Range(0, 40).Select(_ => " " + string.Join(" . ", Enumerable.Range(0, 4).Select(_ =>
            string.Join(' ', Enumerable.Range(0, 2 + rng.NextInt(4)).Select(_ => $"w{rng.NextInt(20)}")))) + " . ");
        return ExampleBuilder.Build(Corpus.Parse(string.Join('\n', lines)), maxLen: 16, seed: 2);
    });

    /// <summary>Tiny synthetic examples (V = 25, max_len 16) for backends too slow for real shapes.</summary>
    public static PretrainingExamples Synthetic => SyntheticExamples.Value;

    public static BertConfig SyntheticConfig(float dropout) => new()
    {
        VocabSize = Synthetic.Vocabulary.Count, Hidden = 8, FfnHidden = 16, Heads = 2, Layers = 1,
        MaxPosition = 16, Dropout = dropout, FfnActivation = Activation.Gelu,
    };

    /// <summary><see cref="SyntheticConfig"/>'s shape with Hugging Face's architecture.</summary>
    public static BertConfig SyntheticHuggingFaceConfig(float dropout) =>
        BertConfig.HuggingFace(Synthetic.Vocabulary.Count, hidden: 8, ffnHidden: 16, heads: 2, layers: 1, maxPosition: 16, dropout: dropout);

    public static float[] Init(BertConfig config, ulong seed = 3) => Initialization.Initialize(ParameterLayout.Of(config), new SeededRandom(seed));

    public static Batch FirstBatch(int batchSize = BatchSize) => BatchFile.Sample(Examples, batchSize, 1, samplerSeed: 7)[0];

    /// <summary>Forward and backward of one batch (no Adam): the losses and the gradient buffer.</summary>
    public static (float Mlm, float Nsp, float[] Gradients) LossAndGradients(IBackend backend, BertConfig config, float[] parameters, Batch batch, LossMode mode)
        => LossAndGradients(new BertModel(backend, config, batch.Capacity, batch.MaxLen, parameters) { LossMode = mode }, batch);

    /// <summary>Forward and backward of one batch on an existing model (dropout seed 5, step 1).</summary>
    public static (float Mlm, float Nsp, float[] Gradients) LossAndGradients(BertModel model, Batch batch)
    {
        model.LoadBatch(batch);
        model.ZeroGradients();
        model.ForwardEncoder(training: true, seed: 5, step: 1);
        model.ForwardHeads(withGradients: true);
        model.Backward();
        var (mlm, nsp) = model.ReadLosses();
        return (mlm, nsp, model.DownloadGradients());
    }

    /// <summary>One training step the way the trainer takes it (a one-replica <see cref="StepRunner"/>) with plain Adam
    /// as the update; returns the losses.</summary>
    public static (float Mlm, float Nsp) TrainStep(BertModel model, Batch batch, AdamSettings adam, int t, ulong seed) =>
        new StepRunner([new Replica(model, null)]).Step(batch, t, seed, m => m.AdamStep(adam, t));
}
