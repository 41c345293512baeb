using System.Runtime.InteropServices;
using BertNative.Contract;

namespace BertNative.Interop.Nccl;

/// <summary>
/// The few NCCL functions <see cref="NcclCommunicator"/> calls, resolved from libnccl.so.2 at run time
/// (NCCL is never a build dependency: Debian does not package it). Names and signatures follow NCCL's public
/// header nccl.h; every function returns an ncclResult_t (0 = success, 7 = in progress).
/// </summary>
internal sealed unsafe class NcclApi
{
    internal const string SoName = "libnccl.so.2";

    /// <summary>NCCL 2.14 introduced non-blocking communicators, without which joining could hang.</summary>
    internal const int MinimumVersion = 21400;

    internal const int Success = 0, InProgress = 7;
    internal const int Float32 = 7, Sum = 0;

    internal static string NotInstalled(string what) =>
        $"{what} could not be loaded: --distributed nccl needs NVIDIA's NCCL (install the libnccl2 package from NVIDIA's CUDA " +
        "apt repository, developer.download.nvidia.com/compute/cuda/repos, or put the folder holding libnccl.so.2 on " +
        "LD_LIBRARY_PATH; Debian has no NCCL package)";

    private readonly List<string> _resolved = [];

    public readonly delegate* unmanaged<int*, int> GetVersion;
    public readonly delegate* unmanaged<NcclUniqueId*, int> GetUniqueId;
    public readonly delegate* unmanaged<nint*, int, NcclUniqueId, int, NcclConfig*, int> CommInitRankConfig;
    public readonly delegate* unmanaged<nint, int*, int> CommGetAsyncError;
    public readonly delegate* unmanaged<int, nint> GetErrorString;
    public readonly delegate* unmanaged<nint, nint> GetLastError;
    public readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> AllReduce;
    public readonly delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int> Broadcast;
    public readonly delegate* unmanaged<nint, int> CommFinalize;
    public readonly delegate* unmanaged<nint, int> CommDestroy;
    public readonly delegate* unmanaged<nint, int> CommAbort;

    private NcclApi(nint library, string path)
    {
        Path = path;
        GetVersion = (delegate* unmanaged<int*, int>)Export(library, "ncclGetVersion");
        GetUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Export(library, "ncclGetUniqueId");
        CommInitRankConfig = (delegate* unmanaged<nint*, int, NcclUniqueId, int, NcclConfig*, int>)Export(library, "ncclCommInitRankConfig");
        CommGetAsyncError = (delegate* unmanaged<nint, int*, int>)Export(library, "ncclCommGetAsyncError");
        GetErrorString = (delegate* unmanaged<int, nint>)Export(library, "ncclGetErrorString");
        GetLastError = (delegate* unmanaged<nint, nint>)Export(library, "ncclGetLastError");
        AllReduce = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Export(library, "ncclAllReduce");
        Broadcast = (delegate* unmanaged<nint, nint, nuint, int, int, nint, nint, int>)Export(library, "ncclBroadcast");
        CommFinalize = (delegate* unmanaged<nint, int>)Export(library, "ncclCommFinalize");
        CommDestroy = (delegate* unmanaged<nint, int>)Export(library, "ncclCommDestroy");
        CommAbort = (delegate* unmanaged<nint, int>)Export(library, "ncclCommAbort");
        int version;
        Check(GetVersion(&version), "ncclGetVersion");
        Version = version;
    }

    public string Path { get; }

    /// <summary>NCCL_VERSION_CODE of the loaded library, e.g. 22005 for 2.20.5.</summary>
    public int Version { get; }

    public string VersionText => $"{Version / 10000}.{Version / 100 % 100}.{Version % 100}";

    /// <summary>The entry points this binding resolved, in order.</summary>
    public IReadOnlyList<string> EntryPoints => _resolved;

    /// <summary>Loads NCCL (libnccl.so.2 through the loader's search path, or a given file); one clear line if it
    /// is missing, lacks a function, or is older than 2.14.</summary>
    public static NcclApi Load(string path = SoName)
    {
        if (!NativeLibrary.TryLoad(path, out nint library)) throw new BertNativeException(NotInstalled(path));
        var api = new NcclApi(library, path);
        if (api.Version < MinimumVersion)
            throw new BertNativeException($"{path} is NCCL {api.VersionText}; --distributed nccl needs NCCL 2.14 or newer (non-blocking " +
                                          "communicators, so a rank that never joins cannot hang the others)");
        return api;
    }

    private nint Export(nint library, string name)
    {
        if (!NativeLibrary.TryGetExport(library, name, out nint address))
            throw new BertNativeException($"{Path} has no {name}: it is not NCCL 2.14 or newer; install NVIDIA's libnccl2 package");
        _resolved.Add(name);
        return address;
    }

    /// <summary>The library's name for a result and, with a communicator, its last error message.</summary>
    public string Describe(int result, nint comm = 0)
    {
        string name = Marshal.PtrToStringUTF8(GetErrorString(result)) ?? $"ncclResult {result}";
        string detail = comm != 0 ? Marshal.PtrToStringUTF8(GetLastError(comm)) ?? "" : "";
        return detail.Length > 0 ? $"{name} ({detail})" : name;
    }

    private void Check(int result, string call)
    {
        if (result != Success) throw new BertNativeException($"{Path}: {call} failed: {Describe(result)}");
    }
}

/// <summary>ncclUniqueId: 128 opaque bytes made by rank 0 and handed to every rank.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NcclUniqueId
{
    public const int Bytes = 128;
    public fixed byte Internal[Bytes];
}

/// <summary>
/// ncclConfig_t as of NCCL 2.14 (the fields up to netName). NCCL reads `size` bytes and gives every later field its
/// default, so this prefix stays valid with newer libraries.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NcclConfig
{
    public nuint Size;
    public uint Magic;
    public uint Version;
    public int Blocking;
    public int CgaClusterSize;
    public int MinCtas;
    public int MaxCtas;
    public nint NetName;

    private const int Undefined = int.MinValue;

    /// <summary>A non-blocking communicator: init and collectives return at once and report progress through
    /// ncclCommGetAsyncError, so every wait can be bounded.</summary>
    public static unsafe NcclConfig NonBlocking() => new()
    {
        Size = (nuint)sizeof(NcclConfig),
        Magic = 0xcafebeef,
        Version = NcclApi.MinimumVersion,
        Blocking = 0,
        CgaClusterSize = Undefined,
        MinCtas = Undefined,
        MaxCtas = Undefined,
        NetName = 0,
    };
}
