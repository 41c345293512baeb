using System.Runtime.InteropServices;

namespace BertNative.Interop.Mpi;

/// <summary>
/// The few MPI calls the ring needs, bound by hand to Open MPI's libmpi.so.40 (Debian's openmpi-bin 4.1). MPI.NET
/// would do, but it generates its binding from mpi.h at build time, which makes MPI a build dependency of every
/// machine; here MPI is loaded only when --distributed mpi asks for it. Open MPI's handles (MPI_COMM_WORLD,
/// MPI_FLOAT) are the addresses of exported globals.
/// </summary>
internal static unsafe partial class MpiNative
{
    public const string LibraryName = "libmpi.so.40";
    public const int Success = 0, ThreadSerialized = 2;

    [LibraryImport(LibraryName)] public static partial int MPI_Initialized(out int flag);
    [LibraryImport(LibraryName)] public static partial int MPI_Init_thread(IntPtr argc, IntPtr argv, int required, out int provided);
    [LibraryImport(LibraryName)] public static partial int MPI_Finalize();
    [LibraryImport(LibraryName)] public static partial int MPI_Comm_rank(IntPtr comm, out int rank);
    [LibraryImport(LibraryName)] public static partial int MPI_Comm_size(IntPtr comm, out int size);
    [LibraryImport(LibraryName)] public static partial int MPI_Isend(void* buffer, int count, IntPtr datatype, int destination, int tag, IntPtr comm, out IntPtr request);
    [LibraryImport(LibraryName)] public static partial int MPI_Irecv(void* buffer, int count, IntPtr datatype, int source, int tag, IntPtr comm, out IntPtr request);
    /// <summary>status: null is MPI_STATUS_IGNORE in Open MPI.</summary>
    [LibraryImport(LibraryName)] public static partial int MPI_Test(ref IntPtr request, out int flag, IntPtr status);

    /// <summary>dlopen with RTLD_GLOBAL: Open MPI loads its components as plugins that resolve symbols of libmpi itself,
    /// which fails when the runtime has loaded libmpi privately (RTLD_LOCAL).</summary>
    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DlOpen(string file, int mode);

    public const int RtldNow = 2, RtldGlobal = 0x100;
}
