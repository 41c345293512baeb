using BertNative.Contract;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace BertNative.Model.Export;

/// <summary>
/// The BERT encoder (and optionally its MLM and NSP heads) as an ONNX model (opset 17), run by ONNX Runtime
/// and any other ONNX consumer. Inputs input_ids, token_type_ids and attention_mask are int64 [batch, sequence]
/// (mask 1 on real tokens); the output last_hidden_state is float32 [batch, sequence, hidden]. Rows of padded
/// positions are computed but mean nothing, as in the model (docs/model-spec.md §2). Every initializer is the checkpoint's tensor
/// of the same name, unchanged; linear layers keep PyTorch's [out, in] layout behind a Transpose.
/// </summary>
public static class BertOnnxExport
{
    public const int Opset = 17;

    /// <summary>The additive-mask value of docs/model-spec.md §2: keys past the valid length score -1e6 before the softmax.</summary>
    private const float MaskedScore = -1e6f;

    /// <summary>Protobuf cannot serialise a message of 2 GiB or more (BERT-large's 1.3 GB still fits).</summary>
    private const long ProtobufLimit = int.MaxValue;

    /// <summary>Writes the model to <paramref name="path"/> through a temporary file, so a failed export leaves no half file.</summary>
    public static void Save(string path, BertConfig config, ReadOnlySpan<float> parameters, bool withHeads)
    {
        long bytes = ParameterLayout.Of(config).TotalCount * sizeof(float);
        if (bytes >= ProtobufLimit)
            throw new BertNativeException($"the model's {bytes / 1e9:F1} GB of weights exceed ONNX's 2 GB protobuf limit; export a smaller model");
        var model = Build(config, parameters, withHeads);
        string temp = path + ".partial";
        try
        {
            using (var file = File.Create(temp)) model.WriteTo(file);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(temp)) File.Delete(temp);
            throw new BertNativeException($"cannot write {path}: {e.Message}; pass --out a file in a writable folder", e);
        }
    }

    public static ModelProto Build(BertConfig config, ReadOnlySpan<float> parameters, bool withHeads)
    {
        var builder = new Builder(config, parameters.ToArray());
        var g = builder.Graph;
        string ids = g.Input("input_ids", DataType.Int64, "batch", "sequence");
        string segments = g.Input("token_type_ids", DataType.Int64, "batch", "sequence");
        string mask = g.Input("attention_mask", DataType.Int64, "batch", "sequence");

        string x = builder.Embeddings(ids, segments);
        string keyMask = builder.KeyMask(mask);
        for (int l = 0; l < config.Layers; l++) x = builder.EncoderBlock(x, keyMask, TensorNames.Block(l));
        g.Output("last_hidden_state", x, DataType.Float, "batch", "sequence", config.Hidden);
        if (withHeads)
        {
            g.Output("mlm_logits", builder.MlmHead(x), DataType.Float, "batch", "sequence", config.VocabSize);
            g.Output("nsp_logits", builder.NspHead(x), DataType.Float, "batch", 2);
        }

        var model = new ModelProto
        {
            IrVersion = 8, ProducerName = "BertNative", Graph = g.Proto,
            DocString = "BERT encoder exported by BertNative; tokens from the checkpoint's vocab.txt: <cls> a <sep> [b <sep>], padding at the end",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    /// <summary>The layers of docs/model-spec.md §2 as ONNX nodes, each reading the checkpoint tensor it is named after.</summary>
    private sealed class Builder(BertConfig config, float[] parameters)
    {
        private readonly ParameterLayout _layout = ParameterLayout.Of(config);
        private readonly HashSet<string> _added = [];

        public OnnxGraph Graph { get; } = new("bert_encoder");

        /// <summary>token + segment + position embeddings, then LayerNorm when the config has Hugging Face's (the book has none, docs/model-spec.md §2): [batch, sequence, H].</summary>
        public string Embeddings(string ids, string segments)
        {
            var g = Graph;
            string sequence = g.Op("Slice", [g.Op("Shape", [ids]), Const("one", 1), Const("two", 2)]);
            string positions = g.Op("Slice", [Weight(TensorNames.PositionEmbedding), Const("zero", 0), sequence, Const("one", 1)]);
            string tokens = g.Op("Gather", [Weight(TensorNames.TokenEmbedding), ids]);
            string segs = g.Op("Gather", [Weight(TensorNames.SegmentEmbedding), segments]);
            string sum = g.Op("Add", [g.Op("Add", [tokens, segs]), positions]);
            return config.EmbeddingLayerNorm ? LayerNorm(sum, TensorNames.EmbeddingNorm) : sum;
        }

        /// <summary>attention_mask [batch, sequence] as a boolean [batch, 1, 1, sequence] over the keys.</summary>
        public string KeyMask(string mask) =>
            Graph.Op("Unsqueeze", [Graph.Op("Cast", [mask], OnnxGraph.Int("to", (long)DataType.Bool)), Const("axes_1_2", 1, 2)]);

        /// <summary>Y = LN1(X + MHA(X)); out = LN2(Y + FFN(Y)) (inference: no dropout).</summary>
        public string EncoderBlock(string x, string keyMask, string b)
        {
            var g = Graph;
            string attention = Linear(MultiHeadAttention(x, keyMask, b), b + TensorNames.AttentionOutput);
            string y = LayerNorm(g.Op("Add", [x, attention]), b + TensorNames.Norm1);
            string ffn = Linear(Activation(Linear(y, b + TensorNames.Ffn1), config.FfnActivation), b + TensorNames.Ffn2);
            return LayerNorm(g.Op("Add", [y, ffn]), b + TensorNames.Norm2);
        }

        /// <summary>softmax(Q K^T / sqrt(d) with masked keys at -1e6) V per head, heads merged: [batch, sequence, H].</summary>
        private string MultiHeadAttention(string x, string keyMask, string b)
        {
            var g = Graph;
            string q = g.Op("Transpose", [SplitHeads(Linear(x, b + TensorNames.Query))], OnnxGraph.Ints("perm", 0, 2, 1, 3));
            string kT = g.Op("Transpose", [SplitHeads(Linear(x, b + TensorNames.Key))], OnnxGraph.Ints("perm", 0, 2, 3, 1));
            string v = g.Op("Transpose", [SplitHeads(Linear(x, b + TensorNames.Value))], OnnxGraph.Ints("perm", 0, 2, 1, 3));
            string scores = g.Op("Mul", [g.Op("MatMul", [q, kT]), Scalar("attention_scale", 1f / MathF.Sqrt(config.HeadSize))]);
            string probs = g.Op("Softmax", [g.Op("Where", [keyMask, scores, Scalar("masked_score", MaskedScore)])], OnnxGraph.Int("axis", -1));
            string merged = g.Op("Transpose", [g.Op("MatMul", [probs, v])], OnnxGraph.Ints("perm", 0, 2, 1, 3));
            return g.Op("Reshape", [merged, Const("shape_merge_heads", 0, 0, config.Hidden)]);
        }

        /// <summary>MLM head on every position: Linear -> activation (ReLU in the book) -> LayerNorm -> Linear(V), whose weight is
        /// the token embedding when the decoder is tied: [batch, sequence, V].</summary>
        public string MlmHead(string x)
        {
            string transformed = LayerNorm(Activation(Linear(x, TensorNames.MlmDense), config.MlmActivation), TensorNames.MlmNorm);
            string decoderWeight = config.TieDecoder ? TensorNames.TokenEmbedding : TensorNames.Weight(TensorNames.MlmDecoder);
            return Graph.Op("Add", [Graph.Op("MatMul", [transformed, Graph.Op("Transpose", [Weight(decoderWeight)])]), Weight(TensorNames.Bias(TensorNames.MlmDecoder))]);
        }

        /// <summary>NSP head on the &lt;cls&gt; row: Linear -> tanh -> Linear(2): [batch, 2].</summary>
        public string NspHead(string x)
        {
            string cls = Graph.Op("Gather", [x, ScalarInt64("cls_position", 0)], OnnxGraph.Int("axis", 1));
            return Linear(Activation(Linear(cls, TensorNames.NspHidden), BertNative.Contract.Activation.Tanh), TensorNames.NspOutput);
        }

        /// <summary>x W^T + b with W [out, in] as in the checkpoint.</summary>
        private string Linear(string x, string name) =>
            Graph.Op("Add", [Graph.Op("MatMul", [x, Graph.Op("Transpose", [Weight(TensorNames.Weight(name))])]), Weight(TensorNames.Bias(name))]);

        private string LayerNorm(string x, string name) =>
            Graph.Op("LayerNormalization", [x, Weight(TensorNames.Weight(name)), Weight(TensorNames.Bias(name))],
                OnnxGraph.Int("axis", -1), OnnxGraph.Float("epsilon", config.LayerNormEpsilon));

        private string Activation(string x, Activation activation) => activation switch
        {
            BertNative.Contract.Activation.Relu => Graph.Op("Relu", [x]),
            BertNative.Contract.Activation.Tanh => Graph.Op("Tanh", [x]),
            // The exact erf form, as the backends compute it (opset 17 has no Gelu op).
            BertNative.Contract.Activation.Gelu => Graph.Op("Mul", [Graph.Op("Mul", [x, Scalar("half", 0.5f)]),
                Graph.Op("Add", [Graph.Op("Erf", [Graph.Op("Mul", [x, Scalar("inv_sqrt2", 1f / MathF.Sqrt(2f))])]), Scalar("one_f", 1f)])]),
            _ => throw new ArgumentOutOfRangeException(nameof(activation)),
        };

        /// <summary>[batch, sequence, H] -> [batch, sequence, heads, H / heads].</summary>
        private string SplitHeads(string x) => Graph.Op("Reshape", [x, Const("shape_split_heads", 0, 0, config.Heads, config.HeadSize)]);

        /// <summary>The checkpoint tensor <paramref name="name"/> as an initializer of the same name and shape (added once).</summary>
        private string Weight(string name)
        {
            if (!_added.Add(name)) return name;
            var slot = _layout[name];
            return Graph.Floats(name, parameters.AsSpan((int)slot.Offset, (int)slot.Count), [.. slot.Shape.Select(d => (long)d)]);
        }

        private string Const(string name, params long[] values) => _added.Add(name) ? Graph.Int64s(name, values) : name;

        private string ScalarInt64(string name, long value) => _added.Add(name) ? Graph.ScalarInt64(name, value) : name;

        private string Scalar(string name, float value) => _added.Add(name) ? Graph.Scalar(name, value) : name;
    }
}
