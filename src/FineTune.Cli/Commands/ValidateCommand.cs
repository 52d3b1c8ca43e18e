using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTune.Sdk;
using Spectre.Console;

namespace FineTune.Cli;

/// <summary><c>finetune validate FILE [--json] [--format chat|preference] [--model M] [--gates all|none|LIST]</c>.</summary>
internal static class ValidateCommand
{
    /// <summary>How many findings the human-readable output lists before pointing at <c>--json</c>.</summary>
    internal const int MaxListedFindings = 50;

    /// <summary>Files at least this large get a progress bar on an interactive terminal.</summary>
    private const long ProgressThresholdBytes = 8L * 1024 * 1024;

    public static Command Create(CliContext context)
    {
        var file = new Argument<FileInfo>("file") { Description = "The JSONL dataset to validate." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout (a stable contract: rows, format, findings, summary)." };
        var format = new Option<string>("--format") { Description = "Validate as this format instead of detecting it: chat or preference." };
        format.AcceptOnlyFromAmong("chat", "preference");
        var model = new Option<string>("--model") { Description = "The model the data is for: its tokenizer, per-example token limit and price (adds a cost estimate)." };
        var gates = new Option<string>("--gates")
        {
            Description = $"The quality gates to run: all (the default), none (format checks, token counts and cost only), or a comma-separated list of: duplicates, {string.Join(", ", GateSelection.Names)}.",
        };
        var target = new Option<string>("--target") { Description = "Check the file against a provider model's own rules instead, for example bedrock:amazon.nova-micro-v1:0:128k (the file in that family's format)." };
        var command = new Command("validate", "Validate a fine-tuning dataset and report every problem by line. Exit code 0: no errors; 1: errors; 2: usage or I/O problem.") { file, json, format, model, gates, target };
        command.SetAction((parseResult, cancellationToken) => parseResult.GetValue(target) is { } targetValue
            ? RunTargetAsync(context, parseResult.GetValue(file)!, targetValue, cancellationToken)
            : RunAsync(
            context,
            parseResult.GetValue(file)!,
            parseResult.GetValue(json),
            parseResult.GetValue(format) is { } name ? new DatasetFormat(name) : null,
            parseResult.GetValue(model),
            parseResult.GetValue(gates),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunTargetAsync(CliContext context, FileInfo file, string target, CancellationToken cancellationToken)
    {
        if (target.StartsWith(BedrockTargetValidation.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return await BedrockTargetValidation.RunAsync(context, file, target, cancellationToken).ConfigureAwait(false);
        }

        await context.Error.WriteLineAsync($"error: --target must be bedrock:MODEL_ID; it was '{target}'.").ConfigureAwait(false);
        return CliApp.UsageError;
    }

    private static async Task<int> RunAsync(CliContext context, FileInfo file, bool json, DatasetFormat? format, string? model, string? gateList, CancellationToken cancellationToken)
    {
        if (GateSelection.TryParse(gateList, out var gateError) is not { } gates)
        {
            await context.Error.WriteLineAsync($"error: {gateError}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (!file.Exists)
        {
            await context.Error.WriteLineAsync($"error: file not found: {file.FullName}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        DatasetValidationReport report;
        try
        {
            report = await ValidateAsync(context, file, json, format, model, gates, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex) when (model is not null)
        {
            await context.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read {file.FullName}: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        var cost = model is not null && report.Tokens is { Examples: > 0 } tokens
            ? await TokenOutput.TryEstimateAsync(tokens, model, epochs: null, context.Error).ConfigureAwait(false)
            : null;
        if (json)
        {
            await context.Output.WriteLineAsync(ToJson(report, file.ToString(), cost, gates)).ConfigureAwait(false);
        }
        else
        {
            await WriteSummaryAsync(context.Output, report, file.ToString()).ConfigureAwait(false);
            if (!gates.IsAll)
            {
                await context.Output.WriteLineAsync($"Quality gates not run (--gates): {string.Join(", ", gates.Skipped)}.").ConfigureAwait(false);
            }

            if (report.Tokens is not null)
            {
                await TokenOutput.WriteTextAsync(context.Output, report.Tokens).ConfigureAwait(false);
            }

            if (cost is not null)
            {
                await context.Output.WriteAsync(cost.ToText()).ConfigureAwait(false);
            }
        }

        return report.IsValid ? CliApp.Success : CliApp.Failed;
    }

    private static async Task<DatasetValidationReport> ValidateAsync(CliContext context, FileInfo file, bool json, DatasetFormat? format, string? model, GateSelection gates, CancellationToken cancellationToken)
    {
        var validator = new DatasetValidator(gates.ToOptions());
        var request = new DatasetValidationRequest { FileName = file.ToString(), Format = format, Model = model, CountTokens = true };
        var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            if (json || !context.IsInteractive || file.Length < ProgressThresholdBytes)
            {
                return await validator.ValidateAsync(stream, request, cancellationToken).ConfigureAwait(false);
            }

            DatasetValidationReport? report = null;
            await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask("Validating", maxValue: file.Length);
                    var counting = new ProgressStream(stream, read => task.Value = read);
                    await using (counting.ConfigureAwait(false))
                    {
                        report = await validator.ValidateAsync(counting, request, cancellationToken).ConfigureAwait(false);
                    }

                    task.Value = file.Length;
                }).ConfigureAwait(false);
            return report!;
        }
    }

    internal static string ToJson(DatasetValidationReport report, string file, CostEstimate? cost = null, GateSelection? gates = null)
    {
        gates ??= GateSelection.All;
        var output = new ValidateJsonOutput
        {
            File = file,
            Gates = [.. gates.Selected],
            Rows = report.Rows,
            Format = report.Format.Value,
            Valid = report.IsValid,
            Errors = report.ErrorCount,
            Warnings = report.WarningCount,
            Findings = [.. report.Findings.Select(f => new ValidateJsonFinding
            {
                Code = f.Code,
                Severity = SeverityName(f.Severity),
                Line = f.Line,
                Path = f.Path,
                Message = f.Message,
                Details = ToDetails(f.AdditionalProperties),
            })],
            Summary = new SortedDictionary<string, int>(report.Summary.ToDictionary(), StringComparer.Ordinal),
            Tokens = report.Tokens is null ? null : TokenOutput.ToJson(report.Tokens),
            Cost = cost is null ? null : TokenOutput.ToJson(cost),
        };
        return JsonSerializer.Serialize(output, CliJsonContext.Default.ValidateJsonOutput);
    }

    /// <summary>A finding's additional properties as a JSON object: numbers, strings, booleans and string-keyed maps of them.</summary>
    private static JsonElement? ToDetails(IReadOnlyDictionary<string, object?>? properties)
    {
        if (properties is not { Count: > 0 })
        {
            return null;
        }

        return TokenOutput.Element(writer => WriteValue(writer, properties));

        static void WriteValue(Utf8JsonWriter writer, object? value)
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string text:
                    writer.WriteStringValue(text);
                    break;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    break;
                case int or long or short or byte:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case double or float or decimal:
                    writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case System.Collections.IDictionary map:
                    writer.WriteStartObject();
                    foreach (System.Collections.DictionaryEntry entry in map)
                    {
                        writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty);
                        WriteValue(writer, entry.Value);
                    }

                    writer.WriteEndObject();
                    break;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    writer.WriteStartObject();
                    foreach (var (key, item) in pairs)
                    {
                        writer.WritePropertyName(key);
                        WriteValue(writer, item);
                    }

                    writer.WriteEndObject();
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }

    internal static string SeverityName(FindingSeverity severity) => severity switch
    {
        FindingSeverity.Error => "error",
        FindingSeverity.Warning => "warning",
        _ => "info",
    };

    private static async Task WriteSummaryAsync(TextWriter output, DatasetValidationReport report, string file)
    {
        var culture = CultureInfo.InvariantCulture;
        await output.WriteLineAsync(string.Create(culture, $"{file}: {report.Rows} rows, format {report.Format}")).ConfigureAwait(false);
        // Errors and warnings are listed by line; informational findings only appear in the summary (and in --json).
        var listable = report.Findings.Where(f => f.Severity != FindingSeverity.Info).ToList();
        var listed = 0;
        foreach (var finding in listable)
        {
            if (listed++ == MaxListedFindings)
            {
                await output.WriteLineAsync(string.Create(culture, $"  ... {listable.Count - MaxListedFindings} more errors and warnings; run with --json to see them all.")).ConfigureAwait(false);
                break;
            }

            var where = finding.Line == 0 ? "file" : string.Create(culture, $"line {finding.Line}");
            await output.WriteLineAsync(string.Create(culture, $"  {SeverityName(finding.Severity),-7} {finding.Code}  {where}  {finding.Path}  {finding.Message}")).ConfigureAwait(false);
        }

        if (report.Summary.Count > 0)
        {
            await output.WriteLineAsync("Summary by code:").ConfigureAwait(false);
            foreach (var (code, count) in report.Summary.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var severity = report.Findings.FirstOrDefault(f => f.Code == code) is { } sample ? SeverityName(sample.Severity) : string.Empty;
                await output.WriteLineAsync(string.Create(culture, $"  {code}  {severity,-7} x{count}")).ConfigureAwait(false);
            }
        }

        var verdict = report.IsValid ? "OK" : "INVALID";
        await output.WriteLineAsync(string.Create(culture, $"{verdict}: {report.ErrorCount} errors, {report.WarningCount} warnings.")).ConfigureAwait(false);
    }
}
