using System.Reflection;
using System.Runtime.InteropServices;
using BertNative.Interop.Cuda;

namespace BertNative.Tests.Gpu;

/// <summary>
/// Checks the bindings against the built library without needing a GPU: every [LibraryImport]
/// in <see cref="CudaNative"/> names an export of libbertnative_kernels.so, and a bad argument
/// comes back as a status with a message instead of a crash. Inconclusive where the library was
/// not built (no nvcc).
/// </summary>
public class CudaBindingTests
{
    static nint LoadOrInconclusive()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "libbertnative_kernels.so");
        if (!File.Exists(path)) Assert.Inconclusive($"{path} not built (no nvcc)");
        if (!NativeLibrary.TryLoad(path, out nint handle)) Assert.Inconclusive($"{path} does not load (no CUDA libraries here)");
        return handle;
    }

    [Test]
    public void EveryBindingHasAnExport()
    {
        nint library = LoadOrInconclusive();
        var imports = typeof(CudaNative).GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() != null)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>()!.EntryPoint ?? m.Name)
            .ToList();
        Assert.That(imports, Has.Count.GreaterThan(40));
        Assert.That(imports.Where(name => !NativeLibrary.TryGetExport(library, name, out _)), Is.Empty);
    }

    [Test]
    public void BadArgumentsReturnAStatusAndAMessage()
    {
        LoadOrInconclusive();
        int status = CudaNative.bn_layernorm_forward(0, 0, 0, 0, 0, 0, 4, 8, 1e-5f, 0);
        Assert.That(status, Is.EqualTo(3));  // BN_ERR_INVALID
        Assert.That(CudaNative.LastError(), Does.Contain("bn_layernorm_forward").And.Contain("invalid argument"));
        Assert.That(() => CudaCheck.Ok(CudaNative.bn_adam_step(0, 0, 0, 0, 1, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1f, 0, 0)),
            Throws.InstanceOf<CudaException>().With.Message.Contains("bn_adam_step").And.Property(nameof(CudaException.Status)).EqualTo(3));
    }

    [Test]
    public void LibraryReportsTheAbiTheBindingsExpect()
    {
        LoadOrInconclusive();
        CudaCheck.Ok(CudaNative.bn_version(out int version));
        Assert.That(version, Is.EqualTo(CudaNative.AbiVersion));
    }
}
