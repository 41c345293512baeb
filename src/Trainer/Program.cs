using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

var app = new CliApp(
    [new PretrainCommand(Console.Out, Console.Error), new EvaluateCommand(Console.Out, Console.Error), new EncodeCommand(Console.Out, Console.Error),
     new DataCommand(Console.Out, Console.Error), new ExportCommand(Console.Out, Console.Error),
     new ImportCommand(Console.Out, Console.Error), new EmbedCommand(Console.Out, Console.Error)],
    defaultCommand: "pretrain");
return app.Run(args, Console.Out, Console.Error);
