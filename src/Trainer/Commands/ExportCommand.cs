using BertNative.Model.Checkpoints;
using BertNative.Model.Export;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`export`: a checkpoint's encoder (and optionally its heads) as an ONNX model for ONNX Runtime.</summary>
public sealed class ExportCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "export";
    public override string Summary => "export a checkpoint as an ONNX model (opset 17) that ONNX Runtime runs";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        CheckpointOption.Spec,
        OptionSpec.Value("format", "onnx", "onnx", "output format"),
        OptionSpec.Value("out", "FILE", null, "where to write the model, e.g. bert.onnx (required)"),
        OptionSpec.Flag("heads", "also output the MLM logits [batch, sequence, vocab] and NSP logits [batch, 2]"),
    ];

    public override int Run(ParsedOptions o)
    {
        o.Choice("format", "onnx");
        string output = o.String("out") ?? throw new CliException("export needs --out FILE, e.g. --out bert.onnx");
        string checkpoint = CheckpointOption.Resolve(o);
        var (config, _, parameters) = Checkpoint.Load(checkpoint, stderr.WriteLine);
        bool heads = o.Flag("heads");
        BertOnnxExport.Save(output, config, parameters, heads);
        stderr.WriteLine($"exported {checkpoint}: {config.Layers} layers, {config.Hidden} hidden, {config.Heads} heads, vocab {config.VocabSize}");
        stdout.WriteLine($"wrote {Path.GetFullPath(output)} ({new FileInfo(output).Length / 1e6:F1} MB, ONNX opset {BertOnnxExport.Opset}): " +
            $"inputs input_ids, token_type_ids, attention_mask (int64 [batch, sequence]); outputs last_hidden_state [batch, sequence, {config.Hidden}]" +
            (heads ? $", mlm_logits [batch, sequence, {config.VocabSize}], nsp_logits [batch, 2]" : "") +
            "; tokens come from the checkpoint's vocab.txt");
        return CliApp.ExitOk;
    }
}
