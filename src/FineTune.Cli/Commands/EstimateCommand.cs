using System.CommandLine;
using FineTune.Sdk;

namespace FineTune.Cli;

/// <summary><c>finetune estimate FILE --model M [--epochs N|auto] [--validation-file F] [--json]</c>.</summary>
internal static class EstimateCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The JSONL training file." };
        var model = new Option<string>("--model") { Description = "The model to fine-tune, for example gpt-4o-mini.", Required = true };
        var epochs = new Option<string>("--epochs") { Description = "Epochs: a number from 1 to 50, or auto (the provider's rule: 3, clamped so the run sees 100 to 25,000 examples).", DefaultValueFactory = _ => "auto" };
        var validation = new Option<FileInfo>("--validation-file") { Description = "An optional validation file (billed only where the provider bills it)." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout: the estimate and the token report." };
        var command = new Command("estimate", "Estimate what fine-tuning on a file will cost: billed tokens × epochs × price, plus a retry buffer.") { file, model, epochs, validation, json };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            context, parseResult.GetValue(file)!, parseResult.GetValue(model)!, parseResult.GetValue(epochs), parseResult.GetValue(validation), parseResult.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo file, string model, string? epochsText, FileInfo? validationFile, bool json, CancellationToken cancellationToken)
    {
        if (!TokenOutput.TryParseEpochs(epochsText, out var epochs))
        {
            await context.Error.WriteLineAsync($"error: --epochs must be a number from 1 to 50 or 'auto'; it was '{epochsText}'.").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        foreach (var input in new[] { file, validationFile })
        {
            if (input is { Exists: false })
            {
                await context.Error.WriteLineAsync($"error: file not found: {input.FullName}").ConfigureAwait(false);
                return CliApp.UsageError;
            }
        }

        DatasetValidationReport training;
        DatasetValidationReport? validation = null;
        try
        {
            var validator = new DatasetValidator();
            training = await validator.ValidateAsync(file, model, cancellationToken).ConfigureAwait(false);
            if (validationFile is not null)
            {
                validation = await validator.ValidateAsync(validationFile, model, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ArgumentException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read {file.FullName}: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        var tokens = training.Tokens!;
        if (tokens.Examples == 0)
        {
            await context.Error.WriteLineAsync($"error: {file} has no valid examples to estimate; run 'finetune validate {file}'.").ConfigureAwait(false);
            return CliApp.Failed;
        }

        CostEstimate estimate;
        try
        {
            estimate = new CostEstimator().Estimate(tokens, model, epochs, validation?.Tokens);
        }
        catch (ArgumentException ex)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (json)
        {
            await context.Output.WriteLineAsync(EstimateJson(file.ToString(), training, estimate)).ConfigureAwait(false);
        }
        else
        {
            await context.Output.WriteAsync(estimate.ToText()).ConfigureAwait(false);
            await TokenOutput.WriteTextAsync(context.Output, tokens).ConfigureAwait(false);
        }

        if (!training.IsValid)
        {
            await context.Error.WriteLineAsync($"warning: {file} has {training.ErrorCount} errors; rows with errors are not counted. Run 'finetune validate {file}'.").ConfigureAwait(false);
            return CliApp.Failed;
        }

        return CliApp.Success;
    }

    private static string EstimateJson(string file, DatasetValidationReport report, CostEstimate estimate)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("file", file);
            writer.WriteNumber("rows", report.Rows);
            writer.WriteBoolean("valid", report.IsValid);
            writer.WriteNumber("errors", report.ErrorCount);
            writer.WritePropertyName("tokens");
            TokenOutput.ToJson(report.Tokens!).WriteTo(writer);
            writer.WritePropertyName("cost");
            estimate.WriteTo(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static async Task<DatasetValidationReport> ValidateAsync(this DatasetValidator validator, FileInfo file, string model, CancellationToken cancellationToken)
    {
        var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await validator.ValidateAsync(stream, new DatasetValidationRequest { FileName = file.ToString(), Model = model }, cancellationToken).ConfigureAwait(false);
        }
    }
}
