namespace BertNative.Cpu;

// Memory the ops keep between calls (grow-only), so a training step allocates no buffers.
public sealed partial class CpuBackend
{
    private readonly ScratchBuffer _columnSumScratch = new();
    private readonly ScratchBuffer _attentionScratch = new();
    private readonly ScratchBuffer _layerNormScratch = new();
    private readonly ScratchBuffer _lossScratch = new();

    private void DisposeScratch()
    {
        _columnSumScratch.Dispose();
        _attentionScratch.Dispose();
        _layerNormScratch.Dispose();
        _lossScratch.Dispose();
    }
}
