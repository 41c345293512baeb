using BertNative.Contract;
using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

public sealed class MemoryTests(IlgpuDeviceKind kind) : IlgpuOpTest(kind)
{
    [Test]
    public void AllocationsStartZeroed()
    {
        using var o = Session();
        Assert.That(o.Download(o.Poisoned(3).Slice(0, 0)), Is.Empty);
        var floats = Backend.AllocateFloats(7);
        var ints = Backend.AllocateInts(5);
        var back = new int[5];
        Backend.Download(ints, back);
        Assert.That(o.Download(floats), Is.All.EqualTo(0.0));
        Assert.That(back, Is.All.EqualTo(0));
        floats.Buffer.Dispose();
        ints.Buffer.Dispose();
    }

    [Test]
    public void UploadDownloadZeroAndCopyRespectSlices()
    {
        using var o = Session();
        var values = o.Floats(10);
        var view = o.Upload(values);
        Assert.That(o.Download(view), Is.EqualTo(values));

        Backend.Zero(view.Slice(2, 3));
        var other = o.Poisoned(4);
        Backend.Copy(other, view.Slice(6, 4));
        var expected = (double[])values.Clone();
        Array.Fill(expected, 0.0, 2, 3);
        Assert.That(o.Download(view), Is.EqualTo(expected));
        Assert.That(o.Download(other), Is.EqualTo(values[6..]));
    }

    [Test]
    public void IntsRoundTrip()
    {
        using var o = Session();
        int[] values = [3, -1, int.MaxValue, 0];
        var back = new int[4];
        Backend.Download(o.Upload(values), back);
        Assert.That(back, Is.EqualTo(values));
    }

    [Test]
    public void ViewsOfAnotherBackendAreRejected()
    {
        var backend = Backend;
        var foreign = new FloatView(new ForeignBuffer(), 0, 1);
        Assert.Throws<ArgumentException>(() => backend.Zero(foreign));
    }

    private sealed class ForeignBuffer() : DeviceBuffer(1, sizeof(float))
    {
        protected override void Release() { }
    }
}
