using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

public sealed class MemoryTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void AllocationsStartZeroed()
    {
        Assert.That(Backend.Read(Backend.AllocateFloats(7)), Is.All.EqualTo(0f));
        var ints = new int[5];
        Backend.Download(Backend.AllocateInts(5), ints);
        Assert.That(ints, Is.All.EqualTo(0));
    }

    [Test]
    public void UploadDownloadZeroAndCopyRespectSlices()
    {
        var values = DeviceArrays.Random(10);
        var view = Backend.Upload(values);
        Assert.That(Backend.Read(view), Is.EqualTo(values));

        Backend.Zero(view.Slice(2, 3));
        var other = Backend.Poisoned(4);
        Backend.Copy(other, view.Slice(6, 4));
        var expected = (float[])values.Clone();
        Array.Fill(expected, 0f, 2, 3);
        Assert.That(Backend.Read(view), Is.EqualTo(expected));
        Assert.That(Backend.Read(other), Is.EqualTo(values[6..]));
    }

    [Test]
    public void IntsRoundTrip()
    {
        int[] values = [3, -1, int.MaxValue, 0];
        var back = new int[4];
        Backend.Download(Backend.Upload(values), back);
        Assert.That(back, Is.EqualTo(values));
    }

    [Test]
    public void ViewsOfAnotherBackendAreRejected()
    {
        var backend = Backend;
        var foreign = new BertNative.Interop.FloatView(new ForeignBuffer(), 0, 1);
        Assert.Throws<ArgumentException>(() => backend.Zero(foreign));
    }

    private sealed class ForeignBuffer() : BertNative.Interop.DeviceBuffer(1, sizeof(float))
    {
        protected override void Release() { }
    }
}
