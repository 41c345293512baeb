using Microsoft.ML.OnnxRuntime;

namespace BertNative.Tests.Export;

/// <summary>An exported file loaded in ONNX Runtime (CPU): feeds int64 [batch, sequence] inputs, returns every output.</summary>
public sealed class OnnxRuntimeModel(string path) : IDisposable
{
    private readonly InferenceSession _session = new(path);

    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Runs the model; the key of each result is the output's name, the value its elements and shape.</summary>
    public Dictionary<string, (float[] Values, long[] Shape)> Run(long[] ids, long[] segments, long[] mask, int batch, int sequence)
    {
        long[] shape = [batch, sequence];
        using var inputs = new DisposableList<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(ids, shape),
            OrtValue.CreateTensorValueFromMemory(segments, shape),
            OrtValue.CreateTensorValueFromMemory(mask, shape),
        };
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, ["input_ids", "token_type_ids", "attention_mask"], inputs, _session.OutputNames);
        var results = new Dictionary<string, (float[], long[])>();
        for (int i = 0; i < outputs.Count; i++)
            results[_session.OutputNames[i]] = (outputs[i].GetTensorDataAsSpan<float>().ToArray(), outputs[i].GetTensorTypeAndShape().Shape);
        return results;
    }

    public void Dispose() => _session.Dispose();

    private sealed class DisposableList<T> : List<T>, IDisposable where T : IDisposable
    {
        public void Dispose() => ForEach(item => item.Dispose());
    }
}
