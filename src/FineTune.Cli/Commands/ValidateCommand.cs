using System.CommandLine;

namespace FineTune.Cli;

/// <summary><c>finetune validate FILE [--json]</c>.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The JSONL dataset to validate." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout (a stable contract)." };
        var command = new Command("validate", "Validate a fine-tuning dataset and report every problem by line.") { file, json };
        command.SetAction((parseResult, cancellationToken) =>
        {
            _ = context;
            _ = parseResult;
            _ = cancellationToken;
            return Task.FromResult(CliApp.Success);
        });
        return command;
    }
}
