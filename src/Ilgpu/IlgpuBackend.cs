using BertNative.Contract;
using BertNative.Ilgpu.Kernels;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace BertNative.Ilgpu;

/// <summary>
/// The BERT ops as ILGPU kernels on one accelerator (CUDA, OpenCL, or the CPU simulator for tests).
/// Every op is queued on the accelerator's default stream; kernels are compiled once, on construction.
/// This assembly is loaded only when "ilgpu" is asked for.
/// </summary>
public sealed partial class IlgpuBackend : IBackend
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly AcceleratorStream _stream;
    private readonly IlgpuBuffer<float> _unusedFloats; // stands in for an absent optional view

    private readonly ElementwiseKernels _elementwise;
    private readonly AdamKernel _adam;
    private readonly EmbeddingKernels _embedding;
    private readonly GatherKernels _gather;
    private readonly GemmKernel _gemm;
    private readonly MatmulKernels _matmul;
    private readonly AttentionKernels _attention;
    private readonly LayerNormKernels _layerNorm;
    private readonly CrossEntropyKernel _crossEntropy;
    private readonly ReductionKernels _reductions;

    private IlgpuBackend(Context context, Accelerator accelerator, IlgpuGemm gemm)
    {
        _context = context;
        _accelerator = accelerator;
        _stream = accelerator.DefaultStream;
        _unusedFloats = new IlgpuBuffer<float>(accelerator, 1);
        _gemm = new GemmKernel(accelerator, gemm);
        _elementwise = new ElementwiseKernels(accelerator);
        _adam = new AdamKernel(accelerator);
        _embedding = new EmbeddingKernels(accelerator);
        _gather = new GatherKernels(accelerator);
        _matmul = new MatmulKernels(accelerator, _gemm);
        _attention = new AttentionKernels(accelerator, _gemm, _elementwise);
        _layerNorm = new LayerNormKernels(accelerator);
        _crossEntropy = new CrossEntropyKernel(accelerator);
        _reductions = new ReductionKernels(accelerator);
    }

    /// <summary>Opens the accelerator of <paramref name="kind"/>; throws <see cref="BertNativeException"/> when there is none.
    /// <paramref name="gemm"/> is for tests that run the GPU's tiled GEMM on the CPU accelerator.</summary>
    public static IlgpuBackend Create(IlgpuDeviceKind kind = IlgpuDeviceKind.Auto, int deviceIndex = 0, IlgpuGemm gemm = IlgpuGemm.Auto)
    {
        var context = IlgpuAccelerators.CreateContext(kind);
        Accelerator? accelerator = null;
        try
        {
            accelerator = IlgpuAccelerators.Open(context, kind, deviceIndex);
            return new IlgpuBackend(context, accelerator, gemm);
        }
        catch (Exception e)
        {
            string? device = accelerator?.Name;
            accelerator?.Dispose();
            context.Dispose();
            // A device whose compiler rejects a kernel (an OpenCL device without fp64, say) is the user's to avoid.
            if (e is BertNativeException || device == null) throw;
            throw new BertNativeException($"ilgpu: the kernels do not compile for {device} ({e.Message}); try --device cuda or cpu", e);
        }
    }

    /// <summary>ILGPU keeps the current accelerator (for CUDA, its context) per thread: a replica thread binds its own.</summary>
    public void BindToCallingThread() => _accelerator.Bind();

    /// <summary>How many devices of the kind ILGPU sees (Auto: CUDA ones, or else OpenCL ones).</summary>
    public static int DeviceCount(IlgpuDeviceKind kind = IlgpuDeviceKind.Auto)
    {
        using var context = IlgpuAccelerators.CreateContext(kind);
        return IlgpuAccelerators.Devices(context, kind).Count;
    }

    /// <summary>Whether ILGPU sees a CUDA or OpenCL device, without opening it.</summary>
    public static IlgpuProbe Probe() => IlgpuAccelerators.Probe();

    public string Name => "ilgpu";

    /// <summary>ILGPU reports the device's total memory, not what is free: an upper bound.</summary>
    public long? AvailableMemoryBytes => _accelerator.MemorySize;

    public string DeviceDescription =>
        $"ILGPU {_accelerator.AcceleratorType} accelerator: {_accelerator.Name}, {_accelerator.MaxNumThreadsPerGroup} threads/group, "
        + $"{_gemm.Strategy.ToString().ToLowerInvariant()} GEMM"
        + (_accelerator is CudaAccelerator cuda ? $", driver {cuda.DriverVersion}" : "");

    public void Dispose()
    {
        _attention.Dispose();
        _gemm.Dispose();
        _reductions.Dispose();
        _unusedFloats.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    private ArrayView<float> View(FloatView view) => Resolve<float>(view.Buffer).View(view.Offset, view.Count);

    private ArrayView<int> View(IntView view) => Resolve<int>(view.Buffer).View(view.Offset, view.Count);

    private ArrayView<float> ViewOrUnused(FloatView? view) => view is { } v ? View(v) : _unusedFloats.View(0, 1);

    private IlgpuBuffer<T> Resolve<T>(DeviceBuffer buffer) where T : unmanaged
        => buffer is IlgpuBuffer<T> own && own.Owner == _accelerator
            ? own
            : throw new ArgumentException($"a view of a {buffer.GetType().Name} was passed to the ilgpu backend; " +
                                          "allocate it with this backend's AllocateFloats/AllocateInts");
}
