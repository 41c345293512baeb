using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model.Hf;

/// <summary>A Hugging Face BERT as one of ours: the configuration, the vocabulary and the parameter buffer, and what was initialised afresh.</summary>
public sealed record ImportedModel(BertConfig Config, Vocabulary Vocabulary, float[] Parameters, HfImportReport Report);

public static class HfImport
{
    public static ImportedModel Run(HfSource source, ulong seed = 1)
    {
        var hf = source.Config;
        var activation = hf.HiddenAct switch
        {
            "gelu" => Activation.Gelu,
            "relu" => Activation.Relu,
            _ => throw new BertNativeException($"{source.Description}: hidden_act \"{hf.HiddenAct}\" is not supported; only \"gelu\" (exact erf) and \"relu\" are"),
        };
        if (source.Vocabulary.Count != hf.VocabSize)
            throw new BertNativeException($"{source.Description}: vocab.txt has {source.Vocabulary.Count} tokens but the model has {hf.VocabSize} rows of word embeddings");
        bool tied = !source.Tensors.TryGet(HfNames.DecoderWeight, out var decoder)
            || (source.Tensors.TryGet("embeddings.word_embeddings.weight", out var words) && decoder.Values.AsSpan().SequenceEqual(words.Values));
        var config = BertConfig.HuggingFace(hf.VocabSize, hf.HiddenSize, hf.IntermediateSize, hf.NumAttentionHeads, hf.NumHiddenLayers, hf.MaxPositionEmbeddings,
            hf.TypeVocabSize, hf.HiddenDropoutProb, hf.LayerNormEps, activation) with
        { TieDecoder = tied };
        config.Validate(Math.Min(config.MaxPosition, 8));
        var (parameters, report) = HfWeights.Import(config, source.Tensors, source.Description, seed);
        return new ImportedModel(config, source.Vocabulary, parameters, report);
    }
}
