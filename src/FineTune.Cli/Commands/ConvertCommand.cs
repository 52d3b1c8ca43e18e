using System.CommandLine;
using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;

namespace FineTune.Cli;

/// <summary><c>finetune convert IN --to FAMILY --out OUT [--skip-invalid]</c>: OpenAI chat JSONL to a Bedrock family's format, then that family's checks.</summary>
internal static class ConvertCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("in") { Description = "The OpenAI chat JSONL file ({\"messages\": [...]} per line)." };
        var to = new Option<string>("--to")
        {
            Description = $"The Bedrock family or model id to convert for: {string.Join(", ", BedrockModelFamily.All.Select(f => f.Name))}, or a model id such as amazon.nova-micro-v1:0:128k.",
            Required = true,
        };
        var output = new Option<FileInfo>("--out") { Description = "The file to write (written whole or not at all).", Required = true };
        var skip = new Option<bool>("--skip-invalid") { Description = "Write the convertible rows even when some rows cannot be converted (they are still reported)." };
        var command = new Command("convert", "Convert OpenAI chat fine-tuning data to a Bedrock model family's format and check it against that family's rules. Exit code 0: written and valid; 1: findings with errors; 2: usage or I/O problem.")
        {
            input, to, output, skip,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(context, parseResult.GetValue(input)!, parseResult.GetValue(to)!, parseResult.GetValue(output)!, parseResult.GetValue(skip), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo input, string to, FileInfo output, bool skipInvalid, CancellationToken cancellationToken)
    {
        if (BedrockModelFamily.Find(to) is not { } family)
        {
            await context.Error.WriteLineAsync($"error: unknown Bedrock family or model '{to}'; known families: {string.Join(", ", BedrockModelFamily.All.Select(f => f.Name))}.").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (!input.Exists)
        {
            await context.Error.WriteLineAsync($"error: file not found: {input.FullName}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        BedrockConversionReport conversion;
        try
        {
            conversion = await new BedrockDatasetConverter(family).ConvertAsync(input.FullName, output.FullName, skipInvalid, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        await BedrockTargetValidation.WriteFindingsAsync(context.Output, conversion.Findings).ConfigureAwait(false);
        if (!conversion.OutputWritten)
        {
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Not written: {conversion.RowsRead} row(s) read, {conversion.RowsRead - conversion.RowsWritten} cannot be converted for {family.DisplayName}. Fix them or pass --skip-invalid.")).ConfigureAwait(false);
            return CliApp.Failed;
        }

        await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Wrote {conversion.RowsWritten} of {conversion.RowsRead} row(s) to {output} as {family.Format} for {family.DisplayName}.")).ConfigureAwait(false);
        var report = await new BedrockDatasetValidator(family).ValidateAsync(output.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
        await BedrockTargetValidation.WriteReportAsync(context.Output, report).ConfigureAwait(false);
        return conversion.IsValid && report.IsValid ? CliApp.Success : CliApp.Failed;
    }
}
