using System.Reflection;
using BertNative.Ilgpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace BertNative.Tests.Ilgpu;

/// <summary>
/// Every kernel through ILGPU's PTX code generator, which needs no GPU: what the CPU simulator accepts but a
/// CUDA device would not (an unsupported intrinsic, a managed construct) fails here rather than on the GPU box.
/// Kernels are found by convention: the static methods named *Kernel in BertNative.Ilgpu.Kernels.
/// </summary>
public sealed class KernelCodegenTests
{
    private static IEnumerable<MethodInfo> Kernels() => typeof(IlgpuBackend).Assembly.GetTypes()
        .Where(t => t.Namespace == "BertNative.Ilgpu.Kernels")
        .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
        .Where(m => m.Name.EndsWith("Kernel", StringComparison.Ordinal));

    /// <summary>Implicitly grouped kernels take their element index first; the rest read Grid and Group.</summary>
    private static EntryPointDescription EntryPoint(MethodInfo kernel)
        => kernel.GetParameters()[0].ParameterType == typeof(Index1D)
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);

    [Test]
    public void ConventionFindsEveryKernel() => Assert.That(Kernels().Count(), Is.EqualTo(19));

    [Test]
    public void EveryKernelCompilesToPtx([Values(80, 90)] int smVersion)
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        var architecture = new CudaArchitecture(smVersion / 10, smVersion % 10);
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture,
            CudaInstructionSet.ISA_80, nvvmAPI: null);
        foreach (var kernel in Kernels())
        {
            var compiled = (PTXCompiledKernel)backend.Compile(EntryPoint(kernel), KernelSpecialization.Empty);
            Assert.That(compiled.PTXAssembly, Does.Contain(".entry"), kernel.DeclaringType!.Name + "." + kernel.Name);
        }
    }

    /// <summary>OpenCL C for a device with every optional capability (fp64 included: the reductions sum in double).</summary>
    [Test]
    public void EveryKernelCompilesToOpenCL()
    {
        using var context = Context.Create(builder => builder.EnableAlgorithms());
        using var backend = new CLBackend(context, new CLCapabilityContext(true, true, true, true, true), CLDeviceVendor.Other, CLCVersion.CL20);
        foreach (var kernel in Kernels())
        {
            var compiled = (CLCompiledKernel)backend.Compile(EntryPoint(kernel), KernelSpecialization.Empty);
            Assert.That(compiled.Source, Does.Contain("kernel"), kernel.DeclaringType!.Name + "." + kernel.Name);
        }
    }
}
