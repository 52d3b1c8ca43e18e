using System.CommandLine;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune split IN --out-dir DIR [--seed N] [--holdout 0.15] [--validation 0.10]</c>.</summary>
internal static class SplitCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The JSONL dataset to split (never modified)." };
        var outDir = new Option<DirectoryInfo>("--out-dir") { Description = "Where train.jsonl, validation.jsonl and holdout.jsonl are written.", Required = true };
        var seed = new Option<int>("--seed") { Description = "The seed; the same file and seed give identical files.", DefaultValueFactory = _ => 0 };
        var holdout = new Option<double>("--holdout") { Description = "The holdout share.", DefaultValueFactory = _ => 0.15 };
        var validation = new Option<double>("--validation") { Description = "The validation share.", DefaultValueFactory = _ => 0.10 };
        var command = new Command("split", "Split a dataset into train, validation and holdout: seeded, stratified by label, and no duplicate or near-duplicate across splits.")
        {
            input, outDir, seed, holdout, validation,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(input)!;
            return DatasetCommandIO.RunAsync(context, file, async () =>
            {
                var directory = parseResult.GetValue(outDir)!;
                var options = new DatasetSplitOptions
                {
                    Seed = parseResult.GetValue(seed),
                    HoldoutShare = parseResult.GetValue(holdout),
                    ValidationShare = parseResult.GetValue(validation),
                };
                var report = await new DatasetSplitter().SplitFileAsync(file.FullName, directory.FullName, options, cancellationToken).ConfigureAwait(false);
                var output = context.Output;
                await output.WriteLineAsync($"Split into {directory.FullName} (seed {report.Seed}{(report.Stratified ? $", stratified over {report.Strata} labels" : string.Empty)}):").ConfigureAwait(false);
                await output.WriteLineAsync($"  train       {report.TrainRows,8}").ConfigureAwait(false);
                await output.WriteLineAsync($"  validation  {report.ValidationRows,8}").ConfigureAwait(false);
                await output.WriteLineAsync($"  holdout     {report.HoldoutRows,8}").ConfigureAwait(false);
                await output.WriteLineAsync($"Kept {report.DuplicateClusters} duplicate clusters ({report.RowsInDuplicateClusters} rows) in one split each; moved {report.MovedRows} rows to do so.").ConfigureAwait(false);
                if (report.SkippedLines > 0)
                {
                    await output.WriteLineAsync($"Skipped {report.SkippedLines} lines that are not JSON objects (run 'finetune validate').").ConfigureAwait(false);
                }

                return CliApp.Success;
            });
        });
        return command;
    }
}
