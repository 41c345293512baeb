using System.Text.RegularExpressions;
using BertNative.Interop.Cuda;
using BertNative.Tests.Support;

namespace BertNative.Tests.Interop;

/// <summary>The C# mirror of bertnative.h's status enum and ABI version agree with the header, name for name.</summary>
public class NativeStatusTests
{
    static string Header() => File.ReadAllText(Path.Combine(TestData.RepositoryRoot!, "native", "kernels", "bertnative.h"));

    [Test]
    public void StatusEnumMatchesTheHeader()
    {
        var header = Regex.Matches(Header(), @"\bBN_(OK|ERR_[A-Z_]+)\s*=\s*(\d+)")
            .ToDictionary(m => m.Groups[1].Value.Replace("ERR_", "").Replace("_", ""), m => int.Parse(m.Groups[2].Value));
        var mirrored = Enum.GetValues<NativeStatus>().ToDictionary(s => s.ToString().ToUpperInvariant(), s => (int)s);
        Assert.That(header, Has.Count.GreaterThanOrEqualTo(6));
        Assert.That(mirrored, Is.EquivalentTo(header));
    }

    [Test]
    public void AbiVersionMatchesTheHeader()
    {
        var version = Regex.Match(Header(), @"#define BN_VERSION (\d+)");
        Assert.That(version.Success, "BN_VERSION not found in bertnative.h");
        Assert.That(int.Parse(version.Groups[1].Value), Is.EqualTo(CudaNative.AbiVersion), "bertnative.h's BN_VERSION against CudaNative.AbiVersion");
    }
}
