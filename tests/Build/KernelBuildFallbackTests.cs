using System.Diagnostics;
using BertNative.Tests.Support;

namespace BertNative.Tests.Build;

/// <summary>
/// .ci/try-compile-kernels.sh, what `dotnet build` runs when nvcc is on PATH: an nvcc that cannot build gives one
/// line with the reason and the fix (the build shows it as warning BN0001 and goes on with the CPU app), while the
/// strict .ci/compile-kernels.sh that CI runs still fails. .ci/check-kernel-fallback.sh checks the whole dotnet build.
/// </summary>
public class KernelBuildFallbackTests
{
    [TestCase("gnu", "nvcc rejects the host C++ compiler (unsupported GNU version!", "CUDAHOSTCXX=clang++-14")]
    [TestCase("cicc", "the CUDA toolkit is incomplete: nvcc cannot run cicc (cicc: not found)", ".ci/install-cuda.sh")]
    public void AnNvccThatCannotBuildGivesOneLineWithTheReasonAndTheFix(string failure, string reason, string fix)
    {
        string buildDir = Directory.CreateTempSubdirectory("bn-kernels-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(buildDir, "libbertnative_kernels.so"), "a library from an earlier build");
            var (code, output) = RunWithFakeNvcc(failure, "try-compile-kernels.sh", buildDir);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.Zero, "never blocks the CPU build");
                Assert.That(lines, Has.Length.EqualTo(1), output);
                Assert.That(lines[0], Does.StartWith(reason).And.Contain(fix).And.Contain("-p:BertNativeSkipNative=true"));
                Assert.That(File.Exists(Path.Combine(buildDir, "libbertnative_kernels.so")), Is.False, "a stale library would run old kernels");
            });
        }
        finally { Directory.Delete(buildDir, recursive: true); }
    }

    [Test]
    public void TheStrictCompileThatCiRunsStillFails()
    {
        string buildDir = Directory.CreateTempSubdirectory("bn-kernels-").FullName;
        try { Assert.That(RunWithFakeNvcc("gnu", "compile-kernels.sh", buildDir).Code, Is.Not.Zero); }
        finally { Directory.Delete(buildDir, recursive: true); }
    }

    private static (int Code, string Output) RunWithFakeNvcc(string failure, string script, string buildDir)
    {
        if (!OperatingSystem.IsLinux() || ToolPath.Find("cmake") is null) Assert.Inconclusive("needs Linux and cmake");
        string root = TestData.RepositoryRoot ?? throw new InvalidOperationException("repository root not found");
        var info = new ProcessStartInfo("bash", [Path.Combine(root, ".ci", script), buildDir]) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = Path.Combine(root, "tests", "Build", "fake-nvcc") + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["FAKE_NVCC_FAILURE"] = failure;
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
