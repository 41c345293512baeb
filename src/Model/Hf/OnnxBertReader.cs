using System.Runtime.InteropServices;
using BertNative.Contract;
using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace BertNative.Model.Hf;

/// <summary>
/// Reads the weights of a Hugging Face BERT exported to ONNX (PyTorch's exporter). Embeddings, biases and
/// LayerNorms keep their Hugging Face names; Linear weights are often renamed ("onnx::MatMul_788", "927")
/// and stored transposed, [in, out]. Each such weight feeds a MatMul whose output goes to one Add with a
/// named bias ("...query.bias"): that bias names the weight. What the graph says about the shape
/// (attention heads from the score scale, LayerNorm epsilon, GELU) is read from its nodes.
/// </summary>
public sealed class OnnxBertReader
{
    private readonly GraphProto _graph;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly Dictionary<string, NodeProto> _producers = [];
    private readonly Dictionary<string, List<NodeProto>> _consumers = [];
    private readonly string _path;

    public OnnxBertReader(string path)
    {
        _path = path;
        if (!File.Exists(path)) throw new BertNativeException($"{path} does not exist");
        ModelProto model;
        try
        {
            using var file = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(file);
        }
        catch (InvalidProtocolBufferException e) { throw new BertNativeException($"{path} is not an ONNX model ({e.Message})", e); }
        _graph = model.Graph ?? throw new BertNativeException($"{path} is not an ONNX model (it has no graph)");
        _initializers = _graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var node in _graph.Node)
        {
            foreach (var output in node.Output) _producers[output] = node;
            foreach (var input in node.Input)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                list.Add(node);
            }
        }
    }

    /// <summary>The float weights under their Hugging Face names, and the float initializers that could not be named.</summary>
    public (HfTensors Tensors, List<string> Unnamed) ReadTensors()
    {
        var tensors = new HfTensors();
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in _graph.Initializer)
            if (t.DataType == (int)DataType.Float && IsHfName(t.Name) && tensors.Add(t.Name, ToTensor(t, transpose: false))) named.Add(t.Name);

        foreach (var node in _graph.Node.Where(n => n.OpType is "MatMul" or "Gemm"))
        {
            var (weight, transposed) = WeightOf(node);
            if (weight == null || named.Contains(weight.Name)) continue;
            string? bias = node.OpType == "Gemm" && node.Input.Count > 2 ? node.Input[2] : BiasAfter(node.Output[0]);
            if (bias == null || !IsHfName(bias) || !bias.EndsWith(".bias", StringComparison.Ordinal)) continue;
            string name = bias[..^".bias".Length] + ".weight";
            if (tensors.Add(name, ToTensor(weight, transposed))) named.Add(weight.Name);
        }
        var unnamed = _graph.Initializer.Where(t => t.DataType == (int)DataType.Float && !named.Contains(t.Name) && Count(t) > 1).Select(t => t.Name).ToList();
        return (tensors, unnamed);
    }

    /// <summary>The network's shape: sizes from the tensors, heads from the attention scores' scale, epsilon and activation from the nodes.</summary>
    public HfBertConfig InferConfig(HfTensors tensors)
    {
        HfTensor Need(string name) => tensors.TryGet(name, out var t) ? t
            : throw new BertNativeException($"{_path}: no tensor {name}; is this a BERT exported from Hugging Face?");
        var words = Need("embeddings.word_embeddings.weight");
        int hidden = words.Shape[1];
        int layers = 0;
        while (tensors.Contains($"encoder.layer.{layers}.attention.self.query.bias")) layers++;
        int ffn = Need("encoder.layer.0.intermediate.dense.bias").Shape[0];
        int headSize = HeadSize() ?? throw new BertNativeException($"{_path}: cannot tell the number of attention heads from the graph; put the model's config.json beside it");
        if (hidden % headSize != 0) throw new BertNativeException($"{_path}: attention head size {headSize} does not divide hidden size {hidden}");
        return new HfBertConfig(words.Shape[0], hidden, layers, hidden / headSize, ffn, Activation(), Need("embeddings.position_embeddings.weight").Shape[0],
            Need("embeddings.token_type_embeddings.weight").Shape[0], Epsilon() ?? 1e-12f, 0.1f);
    }

    private static bool IsHfName(string name)
    {
        string n = HfTensors.Normalize(name);
        return n.StartsWith("embeddings.", StringComparison.Ordinal) || n.StartsWith("encoder.layer.", StringComparison.Ordinal)
            || n.StartsWith("pooler.", StringComparison.Ordinal) || n.StartsWith("cls.", StringComparison.Ordinal);
    }

    /// <summary>The initializer a MatMul or Gemm multiplies by (directly or through a Transpose), and whether it is stored [in, out].</summary>
    private (TensorProto? Weight, bool Transposed) WeightOf(NodeProto node)
    {
        string input = node.Input[1];
        bool transposed = node.OpType == "MatMul" || !(node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1);
        if (_initializers.TryGetValue(input, out var direct) && direct.Dims.Count == 2) return (direct, transposed);
        if (_producers.TryGetValue(input, out var producer) && producer.OpType == "Transpose" && _initializers.TryGetValue(producer.Input[0], out var before) && before.Dims.Count == 2)
            return (before, !transposed);
        return (null, false);
    }

    /// <summary>The named bias added to a MatMul's output: the other input of the one Add that consumes it.</summary>
    private string? BiasAfter(string output)
    {
        if (!_consumers.TryGetValue(output, out var users) || users.Count != 1 || users[0].OpType != "Add") return null;
        var add = users[0];
        string other = add.Input[0] == output ? add.Input[1] : add.Input[0];
        return _initializers.ContainsKey(other) ? other : null;
    }

    /// <summary>The attention head size d, from the scores' scale: a Div by sqrt(d) or a Mul by 1/sqrt(d) right after Q·Kᵀ.</summary>
    private int? HeadSize()
    {
        foreach (var node in _graph.Node.Where(n => n.OpType == "MatMul" && n.Input.All(i => !_initializers.ContainsKey(i))))
        {
            if (!_consumers.TryGetValue(node.Output[0], out var users)) continue;
            foreach (var user in users.Where(u => u.OpType is "Div" or "Mul"))
            {
                string other = user.Input[0] == node.Output[0] ? user.Input[1] : user.Input[0];
                if (ScalarValue(other) is not { } scale || scale <= 0) continue;
                double d = user.OpType == "Div" ? scale * scale : 1.0 / (scale * scale);
                if (Math.Abs(d - Math.Round(d)) < 1e-3) return (int)Math.Round(d);
            }
        }
        return null;
    }

    /// <summary>LayerNorm's epsilon: a LayerNormalization node's attribute, or the constant added to the variance before Sqrt.</summary>
    private float? Epsilon()
    {
        if (_graph.Node.FirstOrDefault(n => n.OpType == "LayerNormalization") is { } ln)
            return ln.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
        foreach (var sqrt in _graph.Node.Where(n => n.OpType == "Sqrt"))
            if (_producers.TryGetValue(sqrt.Input[0], out var add) && add.OpType == "Add")
                foreach (var input in add.Input)
                    if (ScalarValue(input) is { } eps) return eps;
        return null;
    }

    /// <summary>gelu for the exact (erf) form; relu when the graph has Relu and no Erf.</summary>
    private string Activation()
    {
        if (_graph.Node.Any(n => n.OpType == "Erf" || n.OpType == "Gelu")) return "gelu";
        if (_graph.Node.Any(n => n.OpType == "Relu")) return "relu";
        throw new BertNativeException($"{_path}: the feed-forward activation is neither exact GELU (Erf) nor ReLU; only those two can be imported");
    }

    private float? ScalarValue(string name)
    {
        TensorProto? t = _initializers.GetValueOrDefault(name);
        if (t == null && _producers.TryGetValue(name, out var producer) && producer.OpType == "Constant")
            t = producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T;
        if (t == null || Count(t) != 1) return null;
        return t.DataType switch
        {
            (int)DataType.Float => t.FloatData.Count == 1 ? t.FloatData[0] : BitConverter.ToSingle(t.RawData.Span),
            (int)DataType.Double => (float)(t.DoubleData.Count == 1 ? t.DoubleData[0] : BitConverter.ToDouble(t.RawData.Span)),
            _ => null,
        };
    }

    private static long Count(TensorProto t) => t.Dims.Aggregate(1L, (a, b) => a * b);

    private HfTensor ToTensor(TensorProto t, bool transpose)
    {
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
            throw new BertNativeException($"{_path}: tensor {t.Name} is stored in an external data file; re-export with the weights inside the .onnx file");
        float[] values = t.FloatData.Count > 0 ? [.. t.FloatData] : MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        int[] shape = [.. t.Dims.Select(d => (int)d)];
        if (values.LongLength != Count(t)) throw new BertNativeException($"{_path}: tensor {t.Name} holds {values.Length} values for shape [{string.Join(", ", shape)}]");
        if (!transpose) return new HfTensor(values, shape);
        int rows = shape[0], cols = shape[1];
        var transposed = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) transposed[c * rows + r] = values[r * cols + c];
        return new HfTensor(transposed, [cols, rows]);
    }
}
