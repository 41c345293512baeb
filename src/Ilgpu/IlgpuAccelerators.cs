using BertNative.Contract;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace BertNative.Ilgpu;

/// <summary>Opens the ILGPU context and picks the accelerator of an <see cref="IlgpuDeviceKind"/>.</summary>
internal static class IlgpuAccelerators
{
    public static Context CreateContext(IlgpuDeviceKind kind) => Context.Create(builder =>
    {
        switch (kind)
        {
            case IlgpuDeviceKind.Cuda: builder.Cuda(); break;
            case IlgpuDeviceKind.OpenCL: builder.OpenCL(); break;
            case IlgpuDeviceKind.Cpu: builder.CPU(CPUDevice.Default); break;
            default: builder.Cuda().OpenCL(); break;
        }
        builder.EnableAlgorithms();
    });

    /// <summary>The devices of the kind in order (Auto: the CUDA devices, or else the OpenCL ones).</summary>
    public static IReadOnlyList<Device> Devices(Context context, IlgpuDeviceKind kind) => kind switch
    {
        IlgpuDeviceKind.Cuda => [.. context.GetCudaDevices()],
        IlgpuDeviceKind.OpenCL => [.. context.GetCLDevices()],
        IlgpuDeviceKind.Cpu => [.. context.GetCPUDevices()],
        _ => context.GetCudaDevices().Count > 0 ? [.. context.GetCudaDevices()] : [.. context.GetCLDevices()],
    };

    /// <summary>The first device of the kind (Auto: CUDA before OpenCL), or null.</summary>
    public static Device? FindDevice(Context context, IlgpuDeviceKind kind) => Devices(context, kind).FirstOrDefault();

    /// <summary>Device <paramref name="index"/> of the kind (a data-parallel replica's GPU).</summary>
    public static Accelerator Open(Context context, IlgpuDeviceKind kind, int index = 0)
    {
        var devices = Devices(context, kind);
        if (devices.Count > 0 && index >= devices.Count)
            throw new BertNativeException($"ilgpu: device {index} asked for, {devices.Count} visible; use fewer --replicas");
        var device = devices.Count > index ? devices[index] : throw new BertNativeException(kind switch
        {
            IlgpuDeviceKind.Cuda => "ilgpu: no CUDA device found (is the NVIDIA driver installed?); try --device cpu",
            IlgpuDeviceKind.OpenCL => "ilgpu: no OpenCL device ILGPU can use found (it needs OpenCL 2.0 drivers); try --device cpu",
            _ => "ilgpu: no CUDA or OpenCL device found; try --device cpu",
        });
        return device.CreateAccelerator(context);
    }

    public static IlgpuProbe Probe()
    {
        try
        {
            using var context = CreateContext(IlgpuDeviceKind.Auto);
            var device = FindDevice(context, IlgpuDeviceKind.Auto);
            return device == null
                ? new IlgpuProbe(false, "ILGPU found no CUDA device and no usable OpenCL device")
                : new IlgpuProbe(true, $"{device.AcceleratorType}: {device.Name}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new IlgpuProbe(false, $"ILGPU could not enumerate devices: {e.Message}");
        }
    }
}
