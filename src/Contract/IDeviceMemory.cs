namespace BertNative.Contract;

/// <summary>Allocation and host &lt;-&gt; device copies of a backend. All ops are ordered on one
/// stream: a download waits for the ops before it.</summary>
public interface IDeviceMemory
{
    /// <summary>A new zero-filled buffer of <paramref name="count"/> floats. The backend frees it on Dispose.</summary>
    FloatView AllocateFloats(long count);

    /// <summary>A new zero-filled buffer of <paramref name="count"/> ints. The backend frees it on Dispose.</summary>
    IntView AllocateInts(long count);

    /// <summary>Copies the host span into the first source.Length elements of the view (at most its count).</summary>
    void Upload(FloatView destination, ReadOnlySpan<float> source);
    void Upload(IntView destination, ReadOnlySpan<int> source);
    /// <summary>Copies the first destination.Length elements of the view (at most its count) to the host, after the ops before it.</summary>
    void Download(FloatView source, Span<float> destination);
    void Download(IntView source, Span<int> destination);

    /// <summary>destination[i] = 0.</summary>
    void Zero(FloatView destination);

    /// <summary>destination[i] = source[i]; the views have the same count and do not overlap.</summary>
    void Copy(FloatView destination, FloatView source);

    /// <summary>Blocks until every op issued so far has finished (timing, and before reading results).</summary>
    void Synchronize();
}
