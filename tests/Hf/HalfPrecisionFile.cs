using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using BertNative.Model.Checkpoints;

namespace BertNative.Tests.Hf;

/// <summary>Writes a safetensors file of BF16 tensors (and one F16), as many Hugging Face checkpoints are stored.</summary>
public static class HalfPrecisionFile
{
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, string f16)
    {
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach (var t in tensors)
        {
            bool half = t.Name == f16;
            long begin = data.Length;
            foreach (float v in t.Floats!)
            {
                ushort bits = half ? BitConverter.HalfToUInt16Bits((Half)v) : (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16);
                data.WriteByte((byte)bits);
                data.WriteByte((byte)(bits >> 8));
            }
            header[t.Name] = new JsonObject
            {
                ["dtype"] = half ? "F16" : "BF16",
                ["shape"] = new JsonArray([.. t.Shape.Select(s => (JsonNode?)s)]),
                ["data_offsets"] = new JsonArray(begin, data.Length),
            };
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        file.Write(length);
        file.Write(json);
        data.Position = 0;
        data.CopyTo(file);
    }
}
