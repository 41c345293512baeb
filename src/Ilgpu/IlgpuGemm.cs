namespace BertNative.Ilgpu;

/// <summary>How the ILGPU backend's GEMMs (linear layers, attention) run; both give the same bits (k summed in order).</summary>
public enum IlgpuGemm
{
    /// <summary>Direct on ILGPU's CPU accelerator, Tiled everywhere else.</summary>
    Auto,

    /// <summary>Tiles of both operands staged in shared memory, two group barriers per tile: the GPU kernel.</summary>
    Tiled,

    /// <summary>One thread per output reading its row and column straight from memory, no barrier. For the CPU accelerator,
    /// which runs a group's threads as OS threads: there each barrier costs a round of thread switches (~30 µs on 2 cores),
    /// and the tiled kernel took minutes on one MiniLM sentence.</summary>
    Direct,
}
