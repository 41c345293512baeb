using BertNative.Trainer.Cli;
using BertNative.Trainer.Commands;

var app = new CliApp(
    [new DataCommand(Console.Out, Console.Error)],
    defaultCommand: "data");
return app.Run(args, Console.Out, Console.Error);
