using BertNative.Contract;
using BertNative.Model.Data;

namespace BertNative.Model;

/// <summary>
/// The device memory a <see cref="BertModel"/> allocates for a configuration and batch, computed without
/// allocating: parameters, and for training also gradients and both Adam moments (4 floats per parameter), and the activations,
/// counted by building <see cref="BertActivations"/> over a memory that only adds up the sizes.
/// </summary>
public sealed record MemoryEstimate(long ParameterStateBytes, long ActivationBytes)
{
    public long TotalBytes => ParameterStateBytes + ActivationBytes;

    public static MemoryEstimate For(BertConfig config, int capacity, int seqLen, bool training = true)
    {
        var counter = new CountingMemory();
        _ = new BertActivations(counter, config, capacity, seqLen, PretrainingExamples.PredictionSlotsFor(seqLen));
        return new MemoryEstimate((training ? 4L : 1L) * sizeof(float) * ParameterLayout.Of(config).TotalCount, counter.Bytes);
    }

    public static string Size(long bytes) => bytes < 1e9 ? $"{bytes / 1e6:F1} MB" : $"{bytes / 1e9:F2} GB";

    /// <summary>Hands out views of empty buffers and adds up what they would have taken.</summary>
    private sealed class CountingMemory : IDeviceMemory
    {
        public long Bytes { get; private set; }

        public FloatView AllocateFloats(long count) { Bytes += count * sizeof(float); return new FloatView(new NoBuffer(count), 0, count); }
        public IntView AllocateInts(long count) { Bytes += count * sizeof(int); return new IntView(new NoBuffer(count), 0, count); }
        public void Upload(FloatView destination, ReadOnlySpan<float> source) => throw new NotSupportedException();
        public void Upload(IntView destination, ReadOnlySpan<int> source) => throw new NotSupportedException();
        public void Download(FloatView source, Span<float> destination) => throw new NotSupportedException();
        public void Download(IntView source, Span<int> destination) => throw new NotSupportedException();
        public void Zero(FloatView destination) => throw new NotSupportedException();
        public void Copy(FloatView destination, FloatView source) => throw new NotSupportedException();
        public void Synchronize() { }

        private sealed class NoBuffer(long count) : DeviceBuffer(count, sizeof(float))
        {
            protected override void Release() { }
        }
    }
}
