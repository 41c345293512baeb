using BertNative.Contract;
using BertNative.Model;
using BertNative.Model.Checkpoints;
using BertNative.Model.Data;
using BertNative.Model.Export;
using BertNative.Model.Hf;
using BertNative.Trainer.Cli;

namespace BertNative.Trainer.Commands;

/// <summary>`export`: a checkpoint's encoder (and optionally its heads) as an ONNX model for ONNX Runtime.</summary>
public sealed class ExportCommand(TextWriter stdout, TextWriter stderr) : Command
{
    public override string Name => "export";
    public override string Summary => "export a checkpoint as an ONNX model (opset 17) for ONNX Runtime, or as a Hugging Face model folder";
    public override IReadOnlyList<OptionSpec> Options { get; } =
    [
        CheckpointOption.Spec,
        OptionSpec.Value("format", "onnx|hf", "onnx", "output format: an ONNX file, or a Hugging Face folder (config.json, model.safetensors, vocab.txt) for BertForPreTraining.from_pretrained"),
        OptionSpec.Value("out", "FILE|DIR", null, "where to write the model, e.g. bert.onnx or a folder for hf (required)"),
        OptionSpec.Flag("heads", "also output the MLM logits [batch, sequence, vocab] and NSP logits [batch, 2]"),
    ];

    public override int Run(ParsedOptions o)
    {
        string format = o.Choice("format", "onnx", "hf");
        string output = o.String("out") ?? throw new InvalidOptionsException("export needs --out FILE, e.g. --out bert.onnx (or a folder with --format hf)");
        string checkpoint = CheckpointOption.Resolve(o);
        var (config, vocabulary, parameters) = Checkpoint.Load(checkpoint, stderr.WriteLine);
        if (format == "hf") return ExportHf(checkpoint, output, config, vocabulary, parameters, o.Flag("heads"));
        bool heads = o.Flag("heads");
        BertOnnxExport.Save(output, config, parameters, heads);
        stderr.WriteLine($"exported {checkpoint}: {config.Layers} layers, {config.Hidden} hidden, {config.Heads} heads, vocab {config.VocabSize}");
        stdout.WriteLine($"wrote {Path.GetFullPath(output)} ({new FileInfo(output).Length / 1e6:F1} MB, ONNX opset {BertOnnxExport.Opset}): " +
            $"inputs input_ids, token_type_ids, attention_mask (int64 [batch, sequence]); outputs last_hidden_state [batch, sequence, {config.Hidden}]" +
            (heads ? $", mlm_logits [batch, sequence, {config.VocabSize}], nsp_logits [batch, 2]" : "") +
            "; tokens come from the checkpoint's vocab.txt");
        return CliApp.ExitOk;
    }

    private int ExportHf(string checkpoint, string output, BertConfig config, Vocabulary vocabulary, float[] parameters, bool heads)
    {
        if (heads) throw new InvalidOptionsException("--heads is for --format onnx; a Hugging Face folder always holds the heads");
        HfExport.Save(output, config, vocabulary, parameters);
        if (vocabulary.Tokenizer.IsBook)
            stderr.WriteLine("note: the vocabulary is the book's word-level one; Hugging Face's BertTokenizer splits words it lacks into pieces instead of <unk>");
        stdout.WriteLine($"wrote {Path.GetFullPath(output)} from {checkpoint}: config.json, model.safetensors ({new FileInfo(Path.Combine(output, "model.safetensors")).Length / 1e6:F1} MB, " +
            $"Hugging Face names), vocab.txt, tokenizer_config.json; load with BertForPreTraining.from_pretrained");
        return CliApp.ExitOk;
    }
}
