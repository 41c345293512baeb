using System.Collections.Concurrent;
using BertNative.Contract;

namespace BertNative.Tests.Ops;

/// <summary>One instance of each test backend per run (GPU contexts are costly to create), disposed at the end.</summary>
[SetUpFixture]
public sealed class BackendCache
{
    private static readonly ConcurrentDictionary<string, Lazy<(IBackend? Backend, string Why)>> Created = new();

    /// <summary>The backend, or Assert.Inconclusive when its factory found no device.</summary>
    public static IBackend Get(string name)
    {
        var entry = Created.GetOrAdd(name, n => new Lazy<(IBackend?, string)>(() => Create(n))).Value;
        if (entry.Backend == null) Assert.Inconclusive($"backend {name} unavailable: {entry.Why}");
        return entry.Backend!;
    }

    private static (IBackend?, string) Create(string name)
    {
        var named = TestBackends.All.Single(b => b.Name == name);
        try
        {
            var backend = named.Create();
            return (backend, backend == null ? "its factory returned null" : "");
        }
        catch (Exception e)
        {
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    [OneTimeTearDown]
    public void DisposeAll()
    {
        foreach (var entry in Created.Values)
            if (entry.IsValueCreated) entry.Value.Backend?.Dispose();
        Created.Clear();
    }
}
