using BertNative.Contract;

namespace BertNative.Comm;

/// <summary>
/// Collectives for a device whose buffers the host-side ring cannot read (ilgpu, or cuda without a device
/// transport): each call downloads the window into pinned-size host staging, runs the host communicator on
/// it and uploads the result. Simple and slow (two extra copies over the bus); the results are those of the
/// host ring, so every rank still gets the same bits.
/// </summary>
public sealed unsafe class HostStagedCommunicator(ICommunicator host, IDeviceMemory device) : ICommunicator
{
    private readonly HostStaging _staging = new();

    public int Rank => host.Rank;
    public int WorldSize => host.WorldSize;
    public string Description => $"{host.Description}, staged through host memory";
    public TimeSpan Timeout => host.Timeout;

    public void AllReduceSum(FloatView data) => Staged(data, staged => host.AllReduceSum(staged));

    public void Broadcast(FloatView data, int root) => Staged(data, staged => host.Broadcast(staged, root));

    public void Barrier() => host.Barrier();

    public void Abort(string reason) => host.Abort(reason);

    private void Staged(FloatView data, Action<FloatView> collective)
    {
        if (WorldSize == 1 || data.Count == 0) return;
        if (data.Count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(data), "host staging is limited to 2^31 floats per call");
        var staged = _staging.Window(data.Count);
        var span = new Span<float>(HostWindows.Pointer(staged), (int)data.Count);
        device.Download(data, span);
        collective(staged);
        device.Upload(data, span);
    }

    public void Dispose()
    {
        _staging.Dispose();
        host.Dispose();
    }
}
