using BertNative.Contract;
using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

TextWriter stdout = StandardStreams.Out, stderr = StandardStreams.Error;
var app = new CliApp(
    [new PretrainCommand(stdout, stderr), new EvaluateCommand(stdout, stderr), new EncodeCommand(stdout, stderr),
     new DataCommand(stdout, stderr), new ExportCommand(stdout, stderr), new ImportCommand(stdout, stderr), new EmbedCommand(stdout, stderr)],
    defaultCommand: "pretrain");
return app.Run(args, stdout, stderr);
