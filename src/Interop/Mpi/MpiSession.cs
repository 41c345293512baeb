using System.Runtime.InteropServices;
using BertNative.Comm;
using BertNative.Contract;

namespace BertNative.Interop.Mpi;

/// <summary>
/// MPI for this process, started once by <see cref="Start"/> when mpirun launched it: rank, world size and the
/// handles the transport needs. Finalized by <see cref="Finish"/> after a successful run only (a finalize after a
/// rank died would wait for it forever; the launcher cleans up a failed job).
/// </summary>
public sealed class MpiSession
{
    private static MpiSession? Current;

    private MpiSession(int rank, int worldSize, IntPtr world, IntPtr floatType)
    {
        Rank = rank;
        WorldSize = worldSize;
        World = world;
        FloatType = floatType;
    }

    public int Rank { get; }
    public int WorldSize { get; }
    internal IntPtr World { get; }
    internal IntPtr FloatType { get; }

    /// <summary>The rank this process has on its machine (which GPU it takes).</summary>
    public static int LocalRank => int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_RANK"), out int r) ? r : 0;

    /// <summary>The world size the launcher announced, or null when this process was not started by mpirun.</summary>
    public static int? LauncherWorldSize =>
        int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"), out int n) ? n
        : int.TryParse(Environment.GetEnvironmentVariable("PMIX_SIZE"), out n) ? n : null;

    public static MpiSession Start()
    {
        if (Current is not null) return Current;
        if (LauncherWorldSize is null)
            throw new BertNativeException("--distributed mpi: this process was not started by mpirun; run `mpirun -np N bertnative pretrain --distributed mpi ...`");
        IntPtr library = MpiNative.DlOpen(MpiNative.LibraryName, MpiNative.RtldNow | MpiNative.RtldGlobal);
        if (library == IntPtr.Zero)
            throw new BertNativeException($"--distributed mpi: {MpiNative.LibraryName} not found; install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev)");
        Check(MpiNative.MPI_Initialized(out int initialized), "MPI_Initialized");
        if (initialized == 0)
        {
            Check(MpiNative.MPI_Init_thread(IntPtr.Zero, IntPtr.Zero, MpiNative.ThreadSerialized, out int provided), "MPI_Init_thread");
            if (provided < MpiNative.ThreadSerialized)
                throw new BertNativeException($"--distributed mpi: this MPI gives thread level {provided}, the overlapped all-reduce needs MPI_THREAD_SERIALIZED; use an Open MPI built with threads");
        }
        IntPtr world = NativeLibrary.GetExport(library, "ompi_mpi_comm_world");
        IntPtr floatType = NativeLibrary.GetExport(library, "ompi_mpi_float");
        Check(MpiNative.MPI_Comm_rank(world, out int rank), "MPI_Comm_rank");
        Check(MpiNative.MPI_Comm_size(world, out int size), "MPI_Comm_size");
        return Current = new MpiSession(rank, size, world, floatType);
    }

    /// <summary>After a successful run, on every rank.</summary>
    public static void Finish()
    {
        if (Current is null) return;
        MpiNative.MPI_Finalize();
        Current = null;
    }

    internal static void Check(int status, string call)
    {
        if (status != MpiNative.Success) throw new CommunicatorException($"{call} failed with MPI error {status}");
    }
}
