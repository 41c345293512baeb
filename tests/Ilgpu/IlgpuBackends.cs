using BertNative.Ilgpu;

namespace BertNative.Tests.Ilgpu;

/// <summary>One ILGPU backend per accelerator kind for the whole run (opening one compiles every kernel),
/// or the reason it could not be opened; disposed after the last test of this namespace.</summary>
[SetUpFixture]
public sealed class IlgpuBackends
{
    private static readonly Dictionary<IlgpuDeviceKind, (IlgpuBackend? Backend, string? Failure)> Opened = [];

    /// <summary>The backend of <paramref name="kind"/>; Inconclusive where this machine has no such accelerator.</summary>
    public static IlgpuBackend Get(IlgpuDeviceKind kind)
    {
        lock (Opened)
        {
            if (!Opened.TryGetValue(kind, out var entry))
            {
                entry = Open(kind);
                Opened[kind] = entry;
            }
            if (entry.Backend == null) Assert.Inconclusive(entry.Failure ?? "");
            return entry.Backend!;
        }
    }

    private static (IlgpuBackend?, string?) Open(IlgpuDeviceKind kind)
    {
        try
        {
            return (IlgpuBackend.Create(kind), null);
        }
        catch (BertNative.Contract.BertNativeException e)
        {
            return (null, e.Message);
        }
    }

    [OneTimeTearDown]
    public void DisposeAll()
    {
        lock (Opened)
        {
            foreach (var (backend, _) in Opened.Values) backend?.Dispose();
            Opened.Clear();
        }
    }
}
