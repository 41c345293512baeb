using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertNative.Contract;

namespace BertNative.Model.Checkpoints;

/// <summary>A tensor for a safetensors file: F32 or I32 data, little-endian, row-major.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[]? Floats = null, int[]? Ints = null)
{
    public string DType => Floats != null ? "F32" : "I32";
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and byte range, then the raw data. Enough of it for our checkpoints.
/// </summary>
public static class SafeTensors
{
    /// <summary>Writes to a temporary file and renames it over <paramref name="path"/>, so a crash never leaves half a file.</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata != null) header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        long offset = 0;
        foreach (var t in tensors)
        {
            long bytes = t.Count * 4;
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray([.. t.Shape.Select(s => (JsonNode?)s)]),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;

        string temp = path + ".partial";
        try
        {
            WriteFile(temp, padded, json, tensors);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    private static void WriteFile(string temp, int padded, byte[] json, IReadOnlyList<NamedTensor> tensors)
    {
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            file.Write(length);
            file.Write(json);
            for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
            foreach (var t in tensors)
            {
                if (t.Floats != null) file.Write(MemoryMarshal.AsBytes(t.Floats.AsSpan()));
                else file.Write(MemoryMarshal.AsBytes(t.Ints.AsSpan()));
            }
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Reads every tensor (F32 or I32). Throws a one-line error for a truncated or malformed file.</summary>
    public static Dictionary<string, NamedTensor> Read(string path)
    {
        if (Directory.Exists(path)) throw new BertNativeException($"{path} is a folder, not a safetensors file; restore the checkpoint from a copy");
        if (!File.Exists(path)) throw new BertNativeException($"{path} does not exist; point at a checkpoint folder written by 'pretrain'");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new BertNativeException($"cannot read {path}: {e.Message}", e); }
        if (bytes.Length < 8) throw new BertNativeException($"{path} is not a valid safetensors file ({bytes.Length} bytes); restore the checkpoint from a copy");
        try
        {
            long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            if (headerLength <= 0 || 8 + headerLength > bytes.Length) throw new FormatException("bad header length");
            var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))!.AsObject();
            long dataStart = 8 + headerLength;
            var result = new Dictionary<string, NamedTensor>();
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                string dtype = node!["dtype"]!.GetValue<string>();
                int[] shape = [.. node["shape"]!.AsArray().Select(s => s!.GetValue<int>())];
                long begin = node["data_offsets"]![0]!.GetValue<long>(), end = node["data_offsets"]![1]!.GetValue<long>();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                if (end - begin != count * 4 || dataStart + end > bytes.Length) throw new FormatException($"tensor {name} runs past the file");
                var data = bytes.AsSpan((int)(dataStart + begin), (int)(end - begin));
                result[name] = dtype switch
                {
                    "F32" => new NamedTensor(name, shape, Floats: MemoryMarshal.Cast<byte, float>(data).ToArray()),
                    "I32" => new NamedTensor(name, shape, Ints: MemoryMarshal.Cast<byte, int>(data).ToArray()),
                    _ => throw new FormatException($"tensor {name} has dtype {dtype}; only F32 and I32 are supported"),
                };
            }
            return result;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException or NullReferenceException)
        {
            throw new BertNativeException($"{path} is not a valid safetensors file ({e.Message}); restore it from a copy or write it again", e);
        }
    }
}
