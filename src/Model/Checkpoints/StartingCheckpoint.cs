using BertNative.Model.Data;

namespace BertNative.Model.Checkpoints;

/// <summary>Continued pretraining: the checkpoint a run starts from (one <c>import</c> wrote, or an earlier run's), with its
/// shape and vocabulary; only the dropout may be set anew.</summary>
public sealed record StartingCheckpoint(string Folder, BertConfig Config, Vocabulary Vocabulary, float[] Parameters)
{
    public static StartingCheckpoint Load(string folder, float? dropout = null)
    {
        var (config, vocabulary, parameters) = Checkpoint.Load(folder);
        return new StartingCheckpoint(Path.GetFullPath(folder), config with { Dropout = dropout ?? config.Dropout }, vocabulary, parameters);
    }
}
