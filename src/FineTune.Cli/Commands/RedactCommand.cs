using System.CommandLine;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune redact IN --out OUT [--force]</c>.</summary>
internal static class RedactCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The JSONL dataset to redact (never modified)." };
        var output = new Option<FileInfo>("--out") { Description = "The new, redacted file.", Required = true };
        var force = new Option<bool>("--force") { Description = "Replace the output file if it exists (never the input)." };
        var command = new Command("redact", "Replace emails, phone numbers, card numbers, SSNs, IBANs, IP addresses and secrets with consistent placeholders in a new file.")
        {
            input, output, force,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var file = parseResult.GetValue(input)!;
            return DatasetCommandIO.RunAsync(context, file, async () =>
            {
                var target = parseResult.GetValue(output)!;
                var report = await new DatasetRedactor().RedactFileAsync(file.FullName, target.FullName, parseResult.GetValue(force), cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync($"Redacted {report.RedactedRows} of {report.Rows} rows into {target.FullName}.").ConfigureAwait(false);
                if (report.SkippedLines > 0)
                {
                    await context.Error.WriteLineAsync($"warning: left out {report.SkippedLines} lines longer than the line limit (they could not be redacted).").ConfigureAwait(false);
                }

                foreach (var (label, count) in report.Replacements.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    await context.Output.WriteLineAsync($"  {label,-13} {count,8} replaced, {report.DistinctValues.GetValueOrDefault(label),6} distinct").ConfigureAwait(false);
                }

                return CliApp.Success;
            });
        });
        return command;
    }
}
