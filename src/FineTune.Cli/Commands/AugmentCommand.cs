using System.CommandLine;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune augment IN --out OUT [--seed N] [--copies N] [--pattern REGEX]...</c>.</summary>
internal static class AugmentCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The JSONL dataset (never modified)." };
        var output = new Option<FileInfo>("--out") { Description = "The new file: the original rows, then the augmented copies.", Required = true };
        var seed = new Option<int>("--seed") { Description = "The seed; the same file and seed give identical output.", DefaultValueFactory = _ => 0 };
        var copies = new Option<int>("--copies") { Description = "Augmented copies per row with entities (1-100).", DefaultValueFactory = _ => 1 };
        var patterns = new Option<string[]>("--pattern") { Description = "A regular expression for entity ids (repeatable); default [A-Z]{2,6}-[0-9]{3,} ids such as ORD-1234." };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists (never the input)." };
        var command = new Command("augment", "Add rows by swapping entity ids (ORD-1234) in user text for fresh ones, keeping assistant JSON and tool-call arguments in step.")
        {
            input, output, seed, copies, patterns, force,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(input)!;
            return DatasetCommandIO.RunAsync(context, file, async () =>
            {
                var options = new EntitySwapOptions { Seed = parseResult.GetValue(seed), Copies = parseResult.GetValue(copies) };
                if (parseResult.GetValue(patterns) is { Length: > 0 } given)
                {
                    options.Patterns.Clear();
                    options.Patterns.AddRange(given);
                }

                var target = parseResult.GetValue(output)!;
                var report = await new EntitySwapAugmenter(options).AugmentFileAsync(file.FullName, target.FullName, parseResult.GetValue(force), cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"Read {report.Rows} rows; {report.RowsWithEntities} had entities; wrote {report.RowsWritten} rows ({report.AugmentedRows} augmented) to {target.FullName}.").ConfigureAwait(false);
                if (report.SkippedLines > 0)
                {
                    await context.Error.WriteLineAsync($"warning: left out {report.SkippedLines} lines longer than the line limit (they could not be copied or augmented).").ConfigureAwait(false);
                }
                return CliApp.Success;
            });
        });
        return command;
    }
}
