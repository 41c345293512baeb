namespace BertNative.Contract;

/// <summary>A window of float32 elements inside a <see cref="DeviceBuffer"/>.</summary>
public readonly record struct FloatView(DeviceBuffer Buffer, long Offset, long Count)
{
    public FloatView Slice(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > Count)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + count}) outside a view of {Count} floats");
        return new FloatView(Buffer, Offset + offset, count);
    }

    public FloatView Slice(long offset) => Slice(offset, Count - offset);
}

/// <summary>A window of int32 elements inside a <see cref="DeviceBuffer"/>.</summary>
public readonly record struct IntView(DeviceBuffer Buffer, long Offset, long Count)
{
    public IntView Slice(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset + count > Count)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + count}) outside a view of {Count} ints");
        return new IntView(Buffer, Offset + offset, count);
    }
}
