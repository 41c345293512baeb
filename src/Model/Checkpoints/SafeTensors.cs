using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertNative.Contract;

namespace BertNative.Model.Checkpoints;

/// <summary>A tensor for a safetensors file: F32, I32 or I64 data, little-endian, row-major. Read widens F16, BF16
/// and F64 to F32; <see cref="StoredAs"/> names the dtype the file had.</summary>
public sealed record NamedTensor(string Name, int[] Shape, float[]? Floats = null, int[]? Ints = null, long[]? Longs = null)
{
    public string DType => Floats != null ? "F32" : Ints != null ? "I32" : "I64";
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
    public string StoredAs { get; init; } = "";
    internal int ElementBytes => Longs != null ? 8 : 4;
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
            long bytes = t.Count * t.ElementBytes;
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
                else if (t.Ints != null) file.Write(MemoryMarshal.AsBytes(t.Ints.AsSpan()));
                else file.Write(MemoryMarshal.AsBytes(t.Longs.AsSpan()));
            }
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Reads every tensor: F32, F16, BF16 and F64 as floats, I32 as ints, I64 as longs. The file is mapped, not
    /// read whole, so it may be of any size. Throws a one-line error for a truncated or malformed file.</summary>
    public static Dictionary<string, NamedTensor> Read(string path)
    {
        if (Directory.Exists(path)) throw new BertNativeException($"{path} is a folder, not a safetensors file; restore the checkpoint from a copy");
        if (!File.Exists(path)) throw new BertNativeException($"{path} does not exist; point at a checkpoint folder written by 'pretrain'");
        long fileLength = new FileInfo(path).Length;
        if (fileLength < 8) throw new BertNativeException($"{path} is not a valid safetensors file ({fileLength} bytes); restore the checkpoint from a copy");
        try
        {
            using var mapped = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return ReadMapped(view, fileLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNativeException($"cannot read {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or ArgumentException or NullReferenceException or OverflowException)
        {
            throw new BertNativeException($"{path} is not a valid safetensors file ({e.Message}); restore it from a copy or write it again", e);
        }
    }

    private static unsafe Dictionary<string, NamedTensor> ReadMapped(MemoryMappedViewAccessor view, long fileLength)
    {
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        try
        {
            start += view.PointerOffset;
            long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8));
            if (headerLength <= 0 || headerLength > int.MaxValue || 8 + headerLength > fileLength) throw new FormatException("bad header length");
            var header = JsonNode.Parse(new ReadOnlySpan<byte>(start + 8, (int)headerLength))!.AsObject();
            long dataStart = 8 + headerLength;
            var result = new Dictionary<string, NamedTensor>();
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__") continue;
                string dtype = node!["dtype"]!.GetValue<string>();
                int[] shape = [.. node["shape"]!.AsArray().Select(s => s!.GetValue<int>())];
                long begin = node["data_offsets"]![0]!.GetValue<long>(), end = node["data_offsets"]![1]!.GetValue<long>();
                long count = shape.Aggregate(1L, (a, b) => a * b);
                int size = dtype switch
                {
                    "F32" or "I32" => 4,
                    "F16" or "BF16" => 2,
                    "F64" or "I64" => 8,
                    _ => throw new FormatException($"tensor {name} has dtype {dtype}; F32, F16, BF16, F64, I32 and I64 are supported"),
                };
                if (count > Array.MaxLength) throw new FormatException($"tensor {name} has {count} elements, more than one array holds");
                if (begin < 0 || end - begin != count * size || dataStart + end > fileLength) throw new FormatException($"tensor {name} runs past the file");
                byte* data = start + dataStart + begin;
                int n = (int)count;
                result[name] = dtype switch
                {
                    "F32" => new NamedTensor(name, shape, Floats: new ReadOnlySpan<float>(data, n).ToArray()),
                    "I32" => new NamedTensor(name, shape, Ints: new ReadOnlySpan<int>(data, n).ToArray()),
                    "I64" => new NamedTensor(name, shape, Longs: new ReadOnlySpan<long>(data, n).ToArray()),
                    _ => new NamedTensor(name, shape, Floats: Widen(dtype, data, n)),
                } with
                { StoredAs = dtype };
            }
            return result;
        }
        finally
        {
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    /// <summary>F16, BF16 (the upper half of an F32) and F64 as F32.</summary>
    private static unsafe float[] Widen(string dtype, byte* data, int count)
    {
        var floats = new float[count];
        switch (dtype)
        {
            case "F16":
                var halves = new ReadOnlySpan<Half>(data, count);
                for (int i = 0; i < count; i++) floats[i] = (float)halves[i];
                break;
            case "BF16":
                var bits = new ReadOnlySpan<ushort>(data, count);
                for (int i = 0; i < count; i++) floats[i] = BitConverter.Int32BitsToSingle(bits[i] << 16);
                break;
            default:
                var doubles = new ReadOnlySpan<double>(data, count);
                for (int i = 0; i < count; i++) floats[i] = (float)doubles[i];
                break;
        }
        return floats;
    }
}
