using BertNative.Model.Checkpoints;
using BertNative.Model.Tokenization;
using BertNative.Tests.Support;

namespace BertNative.Tests.Hf;

/// <summary>Runs tests/parity/hf_bert_torch.py (Hugging Face's BertForPreTraining forward in PyTorch, over Hugging Face names)
/// on a model folder and a right-padded batch, or on input_ids, token_type_ids and any attention_mask.</summary>
public sealed class HfTorchReference
{
    private HfTorchReference(Dictionary<string, NamedTensor> outputs, int sequence, int hidden, int vocab) =>
        (Outputs, Sequence, Hidden, Vocab) = (outputs, sequence, hidden, vocab);

    public Dictionary<string, NamedTensor> Outputs { get; }
    public int Sequence { get; }
    public int Hidden { get; }
    public int Vocab { get; }

    /// <summary>Input <paramref name="index"/>'s last_hidden_state rows for its real tokens.</summary>
    public float[] Rows(int index, int length) => Outputs["last_hidden_state"].Floats!.AsSpan(index * Sequence * Hidden, length * Hidden).ToArray();

    public static HfTorchReference Run(string folder, IReadOnlyList<TokenizedText> inputs, string scratch)
    {
        int B = inputs.Count, T = inputs.Max(i => i.Length);
        long[] ids = new long[B * T], types = new long[B * T], mask = new long[B * T];
        for (int b = 0; b < B; b++)
            for (int t = 0; t < inputs[b].Length; t++)
                (ids[b * T + t], types[b * T + t], mask[b * T + t]) = (inputs[b].Ids[t], inputs[b].Segments[t], 1);
        return Run(folder, ids, types, mask, B, T, scratch);
    }

    /// <summary>Hugging Face's call: each array [B, T].</summary>
    public static HfTorchReference Run(string folder, long[] ids, long[] types, long[] mask, int B, int T, string scratch)
    {
        Directory.CreateDirectory(scratch);
        string inputPath = Path.Combine(scratch, "inputs.safetensors"), outputPath = Path.Combine(scratch, "outputs.safetensors");
        SafeTensors.Write(inputPath, [new("input_ids", [B, T], Longs: ids), new("token_type_ids", [B, T], Longs: types), new("attention_mask", [B, T], Longs: mask)]);
        PyTorch.Run("hf_bert_torch.py", folder, inputPath, outputPath);
        var outputs = SafeTensors.Read(outputPath);
        var hidden = outputs["last_hidden_state"].Shape;
        return new HfTorchReference(outputs, T, hidden[2], outputs["prediction_logits"].Shape[2]);
    }
}
