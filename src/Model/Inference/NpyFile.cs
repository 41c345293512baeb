using System.Runtime.InteropServices;
using System.Text;

namespace BertNative.Model.Inference;

/// <summary>NumPy's .npy format (version 1.0) for a float32 matrix: numpy.load reads it as an [rows, columns] array.</summary>
public static class NpyFile
{
    public static void Write(string path, IReadOnlyList<float[]> rows, int columns)
    {
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.Count}, {columns}), }}";
        // Magic (6) + version (2) + header length (2) + header + padding + newline: a multiple of 64 bytes.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        file.Write(BitConverter.GetBytes((ushort)header.Length));
        file.Write(Encoding.ASCII.GetBytes(header));
        foreach (var row in rows)
        {
            if (row.Length != columns) throw new ArgumentException($"a row of {row.Length} values in a matrix of {columns} columns");
            file.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    /// <summary>Reads a matrix written by <see cref="Write"/> (for tests and round trips).</summary>
    public static (float[] Values, int Rows, int Columns) Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        var shape = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        var dims = shape[..shape.IndexOf(')')].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(10 + headerLength)).ToArray();
        return (values, dims[0], dims[1]);
    }
}
