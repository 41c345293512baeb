using Google.Protobuf;
using Onnx;
using DataType = Onnx.TensorProto.Types.DataType;

namespace BertNative.Model.Export;

/// <summary>
/// Builds an ONNX graph one node at a time: each <see cref="Op"/> call adds a node and returns the name of
/// its output, so the caller writes nested calls that read like the math. Initializers keep the names given.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto _graph;
    private int _nodes;

    public OnnxGraph(string name) => _graph = new GraphProto { Name = name };

    public GraphProto Proto => _graph;

    /// <summary>A float32 initializer, stored as little-endian raw bytes.</summary>
    public string Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 1-D int64 initializer (shapes, axes, indices).</summary>
    public string Int64s(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A float32 scalar initializer.</summary>
    public string Scalar(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 scalar initializer (an index).</summary>
    public string ScalarInt64(string name, long value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)DataType.Int64 };
        tensor.Int64Data.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds one node of the default domain and returns the name of its (single) output.</summary>
    public string Op(string opType, string[] inputs, params AttributeProto[] attributes)
    {
        string output = $"{opType}_{_nodes++}";
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>A graph input with named (dynamic) and fixed dimensions: a string is a dim_param, a number a dim_value.</summary>
    public string Input(string name, DataType type, params object[] dims)
    {
        _graph.Input.Add(Value(name, type, dims));
        return name;
    }

    /// <summary>Exposes <paramref name="value"/> as the graph output <paramref name="name"/> (an Identity renames it).</summary>
    public void Output(string name, string value, DataType type, params object[] dims)
    {
        var node = new NodeProto { OpType = "Identity", Name = name };
        node.Input.Add(value);
        node.Output.Add(name);
        _graph.Node.Add(node);
        _graph.Output.Add(Value(name, type, dims));
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto Value(string name, DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"dimension {d} is neither a name nor an int"),
            });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
