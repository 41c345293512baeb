using System.Runtime.CompilerServices;
using BertNative.Comm;
using BertNative.Contract;
using BertNative.Cpu;
using BertNative.Interop.Cuda;
using BertNative.Interop.Mpi;
using BertNative.Interop.Nccl;
using BertNative.Model.Data;
using BertNative.Model.Devices;

namespace BertNative.Model.Parallel;

/// <summary>
/// The replicas of this process and how they talk: --replicas N in one process (cpu: N replicas sharing the
/// threads; cuda and ilgpu: GPUs 0..N-1), or one rank per process under mpirun (--distributed mpi), each with its backend
/// and its end of the communicator; plus --accumulate and the overlap switch for the step runner.
/// </summary>
public sealed class ReplicaSet : IDisposable
{
    private readonly List<IDisposable> _owned = [];
    private readonly ICommunicator?[] _comms;

    private ReplicaSet(IBackend[] backends, ICommunicator?[] comms, string line, int accumulate, bool overlap, bool mpi,
        IEnumerable<IDisposable>? shared = null)
    {
        Backends = backends;
        _comms = comms;
        Line = line;
        AccumulateSteps = accumulate;
        Overlap = overlap;
        UsesMpi = mpi;
        // Disposed in this order: the communicators, what they share, then the devices under them.
        _owned.AddRange(comms.Where(c => c is not null)!);
        _owned.AddRange(shared ?? []);
        _owned.AddRange(backends);
    }

    public IReadOnlyList<IBackend> Backends { get; }
    /// <summary>The backend line: what runs where, and what carries the gradients.</summary>
    public string Line { get; }
    public int AccumulateSteps { get; }
    public bool Overlap { get; }
    public bool UsesMpi { get; }
    public int Rank => _comms[0]?.Rank ?? 0;
    public int WorldSize => _comms[0]?.WorldSize ?? 1;
    /// <summary>Only rank 0 prints progress and writes the run folder.</summary>
    public bool IsMainRank => Rank == 0;

    /// <summary>Creates the backends and communicators <paramref name="options"/> ask for; a combination that cannot work is
    /// an <see cref="InvalidOptionsException"/>. <paramref name="microBatch"/> is --batch: the pairs of one micro-batch over all ranks.</summary>
    public static ReplicaSet Create(ReplicaOptions options, int microBatch)
    {
        var (device, replicas, distributed, accumulate, timeout, overlap) = options.Validated();
        if (distributed == Distribution.Off && MpiSession.LauncherWorldSize is > 1)
            throw new InvalidOptionsException($"started by mpirun as one of {MpiSession.LauncherWorldSize} ranks, but --distributed is off (every rank would train alone); add --distributed mpi");
        if (distributed == Distribution.Nccl && device.Device is not ("cuda" or "auto"))
            throw new InvalidOptionsException($"--distributed nccl sums on the GPU and needs --device cuda; with --device {device.Device} use --distributed mpi");
        int ranks = distributed == Distribution.Off ? replicas : MpiSession.LauncherWorldSize ?? 1;
        if (ranks > microBatch)
            throw new InvalidOptionsException($"--batch {microBatch} is smaller than {ranks} {(distributed == Distribution.Off ? "replicas" : "ranks")}: each needs a pair of every micro-batch; raise --batch or lower them");
        return distributed == Distribution.Off
            ? CreateInProcess(device, replicas, accumulate, timeout, overlap)
            : CreateMpi(device, accumulate, timeout, overlap, nccl: distributed == Distribution.Nccl);
    }

    private static ReplicaSet CreateInProcess(DeviceChoice device, int replicas, int accumulate, TimeSpan timeout, bool overlap)
    {
        int threads = device.Threads, threadsEach = replicas == 1 ? threads : Math.Max(1, (threads > 0 ? threads : Environment.ProcessorCount) / replicas);
        var precision = device.Precision;
        var (first, line) = BackendSelector.Select(device with { Threads = threadsEach });
        if (replicas == 1) return new ReplicaSet([first], [null], line, accumulate, overlap, mpi: false);
        var backends = new List<IBackend> { first };
        try
        {
            if (first.Name == "cuda")
            {
                int gpus = CudaProbe.DeviceCount;
                if (replicas > gpus) throw new InvalidOptionsException($"--replicas {replicas} needs {replicas} GPUs; {gpus} visible (CUDA_VISIBLE_DEVICES limits them)");
                for (int g = 1; g < replicas; g++) backends.Add(BackendSelector.CudaOn(g, precision));
            }
            else if (first.Name == "ilgpu")
            {
                int gpus = BackendSelector.IlgpuDeviceCount();
                if (replicas > gpus) throw new InvalidOptionsException($"--replicas {replicas} needs {replicas} GPUs; ILGPU sees {gpus}");
                for (int g = 1; g < replicas; g++) backends.Add(BackendSelector.IlgpuOn(g));
            }
            else
                for (int r = 1; r < replicas; r++) backends.Add(new CpuBackend(threadsEach));
            var shared = new List<IDisposable>();
            var comms = first.Name == "cuda" ? CudaRingOver(backends, timeout, shared) : HostRingOver(backends, timeout, shared);
            string where = first.Name == "cpu" ? $"{threadsEach} thread{(threadsEach == 1 ? "" : "s")} each" : $"GPUs 0..{replicas - 1}";
            return new ReplicaSet([.. backends], comms, $"{line}; {replicas} replicas ({where}), {comms[0]!.Description}", accumulate, overlap, mpi: false, shared);
        }
        catch
        {
            foreach (var b in backends) b.Dispose();
            throw;
        }
    }

    private static ICommunicator?[] HostRingOver(IReadOnlyList<IBackend> backends, TimeSpan timeout, List<IDisposable> shared)
    {
        var ring = new InProcessRing(backends.Count, timeout);
        return backends.Select((b, rank) => (ICommunicator?)(b is CpuBackend
            ? new RingCommunicator(ring.Transport(rank), b)
            : new HostStagedCommunicator(new RingCommunicator(ring.Transport(rank, b.Name), HostMemory(shared)), b))).ToArray();
    }

    /// <summary>GPU to GPU: peer copies where the GPUs allow them, pinned host memory where they do not.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ICommunicator?[] CudaRingOver(IReadOnlyList<IBackend> backends, TimeSpan timeout, List<IDisposable> shared)
    {
        var ring = new CudaRing(backends.Cast<CudaBackend>().ToArray(), timeout);
        shared.Add(ring);
        return backends.Select((b, rank) => (ICommunicator?)new RingCommunicator(ring.Transport(rank), b)).ToArray();
    }

    private static ReplicaSet CreateMpi(DeviceChoice device, int accumulate, TimeSpan timeout, bool overlap, bool nccl)
    {
        MpiSession mpi;
        try { mpi = MpiSession.Start(); }
        catch (BertNativeException e) when (nccl) { throw new BertNativeException(e.Message.Replace("--distributed mpi", "--distributed nccl"), e); }
        if (nccl && CudaProbe.UnavailableReason is { } noCuda)
            throw new BertNativeException($"--distributed nccl: {noCuda}; use --distributed mpi on this machine");
        var (backend, line) = device.Device == "cuda" || nccl || (device.Device == "auto" && CudaProbe.IsAvailable)
            ? CudaOfLocalRank(device.Precision)
            : BackendSelector.Select(device);
        var shared = new List<IDisposable>();
        var transport = new MpiRingTransport(mpi, timeout);
        var hostRing = new RingCommunicator(transport, backend is CpuBackend ? backend : HostMemory(shared));
        if (nccl) shared.Add(hostRing); // NCCL's bootstrap, disposed after it
        ICommunicator comm = nccl ? Nccl(backend, hostRing, timeout)
            : backend is CpuBackend ? hostRing
            : new HostStagedCommunicator(hostRing, backend);
        return new ReplicaSet([backend], [comm], $"{line}; {(comm.Description.Contains($"rank {mpi.Rank} of", StringComparison.Ordinal) ? comm.Description : $"rank {mpi.Rank} of {mpi.WorldSize}, {comm.Description}")}", accumulate, overlap, mpi: true, shared);
    }

    /// <summary>The run's seed: --seed when given, else one rank 0 draws for every rank (processes under mpirun would
    /// each draw their own).</summary>
    public ulong AgreeOnSeed(ulong? given)
    {
        ulong seed = given ?? SeededRandom.FreshSeed();
        return given is null && UsesMpi ? RankAgreement.FromRankZero(_comms[0]!, Backends[0], seed) : seed;
    }

    /// <summary>", 2 replicas" or ", 4 ranks" for the pairs/s line; empty for one device.</summary>
    public string Suffix => UsesMpi ? $", {WorldSize} ranks" : Backends.Count > 1 ? $", {Backends.Count} replicas" : "";

    /// <summary>After a successful run on every rank: the ranks leave together (MPI finalizes).</summary>
    public void FinishRun()
    {
        if (!UsesMpi) return;
        _comms[0]!.Barrier();
        MpiSession.Finish();
    }

    /// <summary>The step runner over one model per backend, each holding its largest part of the global batch.</summary>
    public StepRunner CreateRunner(BertConfig config, int globalBatch, int maxLen, float[] init, LossMode mode)
    {
        int capacity = StepRunner.ReplicaCapacity(globalBatch, WorldSize, AccumulateSteps);
        var replicas = new Replica[Backends.Count];
        for (int i = 0; i < replicas.Length; i++)
        {
            replicas[i] = new Replica(ModelMemory.Create(Backends[i], config, capacity, maxLen, init, mode), _comms[i]);
        }
        return new StepRunner(replicas, AccumulateSteps, Overlap);
    }

    /// <summary>Host memory for the ring's own small buffers when the replicas' memory is on a device.</summary>
    private static IDeviceMemory HostMemory(List<IDisposable> owned)
    {
        var host = new CpuBackend(1);
        owned.Add(host);
        return host;
    }

    /// <summary>Under mpirun each process takes the GPU of its rank on the machine.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (IBackend, string) CudaOfLocalRank(CudaPrecision precision)
    {
        if (CudaProbe.UnavailableReason is { } reason) throw new BertNativeException($"--device cuda: {reason}; use --device cpu (or auto)");
        int gpu = MpiSession.LocalRank % CudaProbe.DeviceCount;
        var cuda = BackendSelector.CudaOn(gpu, precision);
        return (cuda, $"backend cuda (GPU {gpu}, local rank {MpiSession.LocalRank}): {cuda.DeviceDescription}");
    }

    /// <summary>NCCL on this rank's GPU; the MPI ring carries its unique id from rank 0 and stays its bootstrap.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ICommunicator Nccl(IBackend backend, ICommunicator bootstrap, TimeSpan timeout) =>
        new NcclCommunicator((CudaBackend)backend, bootstrap, timeout);

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }
}
