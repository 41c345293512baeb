using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Model.Parallel;

namespace BertNative.Tests.Comm;

public class RankAgreementTests
{
    [Test]
    public void EveryRankStopsNamingTheRanksThatDiffer()
    {
        var error = Assert.Throws<AggregateException>(() => RankThreads.Run(4, comm =>
        {
            using var cpu = new CpuBackend(1);
            RankAgreement.Require(comm, cpu, comm.Rank is 1 or 3 ? 0xDEADBEEFUL : 0x0123456789ABCDEFUL, "seeds", "use one --seed");
            return 0;
        }))!;
        Assert.That(error.InnerExceptions, Has.Count.EqualTo(4), "every rank reaches the same verdict");
        Assert.That(error.InnerExceptions, Has.All.InstanceOf<BertNativeException>()
            .And.All.Property("Message").EqualTo("rank 1, 3 have other seeds than rank 0; use one --seed"));
    }

    [Test]
    public void EqualValuesPass()
    {
        Assert.DoesNotThrow(() => RankThreads.Run(3, comm =>
        {
            using var cpu = new CpuBackend(1);
            RankAgreement.Require(comm, cpu, ulong.MaxValue, "seeds", "use one --seed");
            return 0;
        }));
    }

    [Test]
    public void TheChecksumSeesOneFlippedBit()
    {
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.37f).ToArray();
        ulong before = RankAgreement.Checksum(values);
        values[517] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(values[517]) ^ 1);
        Assert.That(RankAgreement.Checksum(values), Is.Not.EqualTo(before));
    }
}
