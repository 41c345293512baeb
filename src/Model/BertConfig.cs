using BertNative.Contract;

namespace BertNative.Model;

/// <summary>The shape of a BERT model (docs/model-spec.md §2). Presets: book (the d2l chapter), base and large (original BERT).</summary>
public sealed record BertConfig
{
    public int VocabSize { get; init; }
    public int Hidden { get; init; }
    public int FfnHidden { get; init; }
    public int Heads { get; init; }
    public int Layers { get; init; }
    /// <summary>Rows of the learnable positional table (the book uses 1000); max_len may not exceed it.</summary>
    public int MaxPosition { get; init; }
    public float Dropout { get; init; }
    public Activation FfnActivation { get; init; }
    /// <summary>Used by every LayerNorm: the blocks', the embeddings' (when on) and the MLM head's.</summary>
    public float LayerNormEpsilon { get; init; } = 1e-5f;
    /// <summary>Hugging Face's LayerNorm (then dropout) after the embedding sum; the book has neither.</summary>
    public bool EmbeddingLayerNorm { get; init; }
    /// <summary>The activation between mlm.mlp.0 and the head's LayerNorm: ReLU in the book, hidden_act in Hugging Face.</summary>
    public Activation MlmActivation { get; init; } = Activation.Relu;
    /// <summary>The MLM decoder uses the token embedding [V,H] as its weight (no mlm.mlp.3.weight), as Hugging Face ties them.</summary>
    public bool TieDecoder { get; init; }
    /// <summary>Rows of the segment (token type) table.</summary>
    public int TypeVocabSize { get; init; } = 2;

    public int HeadSize => Hidden / Heads;

    /// <summary>This configuration, checked for <paramref name="maxLen"/> as options a user chose: what is wrong with it is an
    /// <see cref="InvalidOptionsException"/> (a bad option, exit 2 in the CLI).</summary>
    public BertConfig ValidatedOptions(int maxLen)
    {
        try { Validate(maxLen); }
        catch (BertNativeException e) when (e is not InvalidOptionsException)
        { throw new InvalidOptionsException(e.Message); }
        return this;
    }

    /// <summary>WikiText-2's vocabulary at the book's min_freq 5: the stand-in that checks a shape before any data is read.</summary>
    public const int BookVocabularySize = 20_256;

    public static BertConfig Book(int vocabSize) => new()
    {
        VocabSize = vocabSize, Hidden = 128, FfnHidden = 256, Heads = 2, Layers = 2,
        MaxPosition = 1000, Dropout = 0.2f, FfnActivation = Activation.Relu,
    };

    public static BertConfig Base(int vocabSize) => new()
    {
        VocabSize = vocabSize, Hidden = 768, FfnHidden = 3072, Heads = 12, Layers = 12,
        MaxPosition = 512, Dropout = 0.1f, FfnActivation = Activation.Gelu,
    };

    public static BertConfig Large(int vocabSize) => new()
    {
        VocabSize = vocabSize, Hidden = 1024, FfnHidden = 4096, Heads = 16, Layers = 24,
        MaxPosition = 512, Dropout = 0.1f, FfnActivation = Activation.Gelu,
    };

    /// <summary>Hugging Face's BertForPreTraining: LayerNorm on the embeddings, the MLM transform with the model's
    /// activation, the decoder tied to the token embedding.</summary>
    public static BertConfig HuggingFace(int vocabSize, int hidden, int ffnHidden, int heads, int layers, int maxPosition,
        int typeVocabSize = 2, float dropout = 0.1f, float layerNormEpsilon = 1e-12f, Activation activation = Activation.Gelu) => new()
        {
            VocabSize = vocabSize, Hidden = hidden, FfnHidden = ffnHidden, Heads = heads, Layers = layers, MaxPosition = maxPosition,
            TypeVocabSize = typeVocabSize, Dropout = dropout, LayerNormEpsilon = layerNormEpsilon, FfnActivation = activation,
            EmbeddingLayerNorm = true, MlmActivation = activation, TieDecoder = true,
        };

    public static readonly string[] PresetNames = ["book", "base", "large"];

    public static BertConfig Preset(string name, int vocabSize) => name switch
    {
        "book" => Book(vocabSize),
        "base" => Base(vocabSize),
        "large" => Large(vocabSize),
        _ => throw new BertNativeException($"unknown model '{name}'; choose one of {string.Join(", ", PresetNames)}"),
    };

    /// <summary>Throws a one-line error when the configuration cannot work for sequences of <paramref name="maxLen"/>.</summary>
    public void Validate(int maxLen)
    {
        if (VocabSize < 5) throw new BertNativeException($"vocabulary of {VocabSize} cannot hold the 5 reserved tokens");
        if (Hidden <= 0 || FfnHidden <= 0 || Heads <= 0 || Layers <= 0)
            throw new BertNativeException("--hidden, --ffn, --heads and --layers must all be positive");
        if (Hidden % Heads != 0)
            throw new BertNativeException($"--hidden {Hidden} is not divisible by --heads {Heads}; pick heads that divide the hidden size");
        if (maxLen > MaxPosition)
            throw new BertNativeException($"--max-len {maxLen} exceeds the positional table of {MaxPosition} rows; lower --max-len or raise --max-position");
        if (TypeVocabSize < 2)
            throw new BertNativeException($"type vocabulary of {TypeVocabSize} cannot hold the two segments");
        if (!(LayerNormEpsilon > 0f) || !float.IsFinite(LayerNormEpsilon))
            throw new BertNativeException($"--layer-norm-eps {LayerNormEpsilon} must be a positive number");
        if (MlmActivation == Activation.Tanh)
            throw new BertNativeException("--mlm-activation must be relu or gelu");
        if (Dropout is < 0f or >= 1f)
            throw new BertNativeException($"--dropout {Dropout} must be in [0, 1)");
    }
}
