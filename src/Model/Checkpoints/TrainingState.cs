using System.Text.Json;
using BertNative.Contract;
using BertNative.Model.Data;
using BertNative.Model.Training;

namespace BertNative.Model.Checkpoints;

/// <summary>
/// What a checkpoint holds besides the weights so that a run continues exactly where it stopped
/// (training_state.json and adam_m/adam_v.safetensors): steps done, the sampler, the seed, the loss mode, the
/// optimizer settings, the options that define the run, the data's fingerprint and both Adam moments.
/// A weight-only checkpoint (written before resume existed) has neither file; it still loads for encode. StepPairs
/// (step_pairs) was batch_size before it was named apart from the micro-batch; it is informational, so older states resume.
/// </summary>
public sealed record TrainingState(int CompletedSteps, ulong Seed, LossMode LossMode, int StepPairs, OptimizerSettings Optimizer,
    IReadOnlyDictionary<string, string> Options, string DataFingerprint, SamplerState Sampler)
{
    // The moments go in two files: one safetensors file is read whole, and BERT-large's two moments exceed 2 GB.
    public const string StateFile = "training_state.json", MomentMFile = "adam_m.safetensors", MomentVFile = "adam_v.safetensors";
    private const string Moment = "moment";

    public void Write(string folder, ReadOnlySpan<float> adamM, ReadOnlySpan<float> adamV)
    {
        File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(this, JsonOptions));
        SafeTensors.Write(Path.Combine(folder, MomentMFile), [new NamedTensor(Moment, [adamM.Length], adamM.ToArray())]);
        SafeTensors.Write(Path.Combine(folder, MomentVFile), [new NamedTensor(Moment, [adamV.Length], adamV.ToArray())]);
    }

    public static bool ExistsIn(string folder) => Path.Combine(folder, StateFile) is var path && (File.Exists(path) || Directory.Exists(path));

    /// <summary>The state of the checkpoint in <paramref name="folder"/> (training_state.json only).</summary>
    /// <summary>The state of the checkpoint in <paramref name="folder"/> (training_state.json only). With
    /// <paramref name="verifyAll"/> (what --resume reads first) every file of the checkpoint is checked against its
    /// checksums before anything is built, so a damaged one is refused at once.</summary>
    public static TrainingState Read(string folder, bool verifyAll = false, Action<string>? warn = null)
    {
        string path = Path.Combine(folder, StateFile);
        if (Directory.Exists(path))
            throw new BertNativeException($"{path} is a folder, not a training state; restore the checkpoint from a copy");
        if (!File.Exists(path))
            throw new BertNativeException($"{folder} holds weights only (no {StateFile}): it was written before runs could be resumed; start a new run from scratch");
        CheckpointChecksums.Verify(folder, verifyAll
            ? [StateFile, MomentMFile, MomentVFile, Checkpoint.ConfigFile, Checkpoint.VocabFile, Checkpoint.WeightsFile] : [StateFile], warn);
        TrainingState? state;
        try { state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), JsonOptions); }
        catch (Exception e) when (e is JsonException or NotSupportedException or IOException or UnauthorizedAccessException)
        { throw new BertNativeException($"{path} is not a valid training state ({e.Message}); the run cannot be resumed", e); }
        if (state is null || state.Options is null || state.Sampler is null || state.Optimizer is null || state.DataFingerprint is null || state.CompletedSteps < 0)
            throw new BertNativeException($"{path} is not a valid training state (fields missing); the run cannot be resumed");
        return state;
    }

    /// <summary>Adam's two moments saved beside the state.</summary>
    public static (float[] M, float[] V) ReadMoments(string folder, long parameterCount)
    {
        CheckpointChecksums.Verify(folder, [MomentMFile, MomentVFile]);
        float[] ReadMoment(string file)
        {
            var moment = SafeTensors.Read(Path.Combine(folder, file)).TryGetValue(Moment, out var t) && t.Floats is { } f && f.LongLength == parameterCount
                ? f : throw new BertNativeException($"{folder}: {file} does not hold {parameterCount} values; the run cannot be resumed");
            Checkpoint.RequireFinite(moment, Path.Combine(folder, file), "Adam moment");
            return moment;
        }
        return (ReadMoment(MomentMFile), ReadMoment(MomentVFile));
    }

    private static readonly JsonSerializerOptions JsonOptions = JsonFormat.Compact;
}
