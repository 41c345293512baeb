using BertNative.Contract;
using BertNative.Interop.Nccl;

namespace BertNative.Tests.Comm;

/// <summary>
/// The NCCL binding without a GPU or NCCL: against a stub library exporting nccl.h's names (every entry point
/// resolves and is called through), a stub lacking one, an old version, and no library at all; and the unique id
/// crossing a bootstrap communicator bit for bit.
/// </summary>
public class NcclApiTests
{
    [Test]
    public void EveryEntryPointResolvesInALibraryWithNcclsNames()
    {
        var api = NcclApi.Load(NcclStubLibrary.Build("libnccl-full.so"));
        Assert.That(api.Version, Is.EqualTo(22304), "ncclGetVersion was called through the resolved pointer");
        Assert.That(api.VersionText, Is.EqualTo("2.23.4"));
        Assert.That(api.EntryPoints, Has.Count.EqualTo(11).And.All.StartsWith("nccl"));
    }

    [Test]
    public void ALibraryLackingAFunctionIsNamedInOneLine()
    {
        string stub = NcclStubLibrary.Build("libnccl-no-finalize.so", "OMIT_FINALIZE");
        var e = Assert.Throws<BertNativeException>(() => NcclApi.Load(stub))!;
        Assert.That(e.Message, Does.Contain("has no ncclCommFinalize").And.Contain("libnccl2").And.Not.Contain("\n"));
    }

    [Test]
    public void NcclOlderThan214IsRefusedSayingWhy()
    {
        string stub = NcclStubLibrary.Build("libnccl-old.so", "STUB_VERSION=21304");
        var e = Assert.Throws<BertNativeException>(() => NcclApi.Load(stub))!;
        Assert.That(e.Message, Does.Contain("is NCCL 2.13.4").And.Contain("needs NCCL 2.14 or newer"));
    }

    [Test]
    public void AMissingLibraryIsOneLineNamingItAndHowToGetIt()
    {
        var e = Assert.Throws<BertNativeException>(() => NcclApi.Load("/nonexistent/libnccl.so.2"))!;
        Assert.That(e.Message, Does.StartWith("/nonexistent/libnccl.so.2 could not be loaded")
            .And.Contain("libnccl2 package from NVIDIA's CUDA apt repository").And.Contain("LD_LIBRARY_PATH")
            .And.Contain("Debian has no NCCL package").And.Not.Contain("\n"));
    }

    [Test]
    public void TheSystemsNcclEitherLoadsWhole_OrIsReportedMissing()
    {
        NcclApi api;
        try { api = NcclApi.Load(); }
        catch (BertNativeException e)
        {
            Assert.That(e.Message, Does.StartWith("libnccl.so.2 could not be loaded").Or.Contain("needs NCCL 2.14"));
            return;
        }
        Assert.That(api.EntryPoints, Has.Count.EqualTo(11));
        Assert.That(api.Version, Is.GreaterThanOrEqualTo(NcclApi.MinimumVersion));
    }

    /// <summary>What `--distributed nccl` meets on a machine without NCCL: the communicator loads the library before
    /// it touches the GPU (so no backend is needed here), and every rank stops with the same one line.</summary>
    [Test]
    public void ACommunicatorWithoutNcclStopsEveryRankWithTheOneLine()
    {
        try
        {
            NcclApi.Load();
            Assert.Inconclusive("libnccl.so.2 is installed here");
        }
        catch (BertNativeException) { }
        var error = Assert.Throws<AggregateException>(() => RankThreads.Run(2, bootstrap =>
        {
            using var nccl = new NcclCommunicator(null!, bootstrap);
            return 0;
        }, timeoutSeconds: 5))!;
        Assert.That(error.InnerExceptions, Has.Count.EqualTo(2).And.All.InstanceOf<BertNativeException>());
        Assert.That(error.InnerExceptions.Select(e => e.Message), Has.All.StartsWith("libnccl.so.2 could not be loaded"));
    }

    [TestCase(1), TestCase(3)]
    public unsafe void TheUniqueIdReachesEveryRankBitForBit(int ranks)
    {
        var api = NcclApi.Load(NcclStubLibrary.Build("libnccl-full.so"));
        byte[][] ids = RankThreads.Run(ranks, bootstrap =>
        {
            NcclUniqueId id = NcclCommunicator.ExchangeId(api, bootstrap);
            return new ReadOnlySpan<byte>(id.Internal, NcclUniqueId.Bytes).ToArray();
        });
        byte[] expected = Enumerable.Range(0, 128).Select(i => (byte)(i * 73 + 5)).ToArray();
        byte[] special = [0x01, 0x00, 0x80, 0x7f, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00];  // sNaN, -0, a denormal
        special.CopyTo(expected, 0);
        foreach (var id in ids) Assert.That(id, Is.EqualTo(expected).AsCollection);
    }
}
