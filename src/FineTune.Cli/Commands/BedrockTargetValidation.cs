using System.Globalization;
using FineTune.Sdk;
using FineTune.Sdk.Bedrock;

namespace FineTune.Cli;

/// <summary><c>finetune validate FILE --target bedrock:MODEL_ID</c>: the file checked against the Bedrock family's rules.</summary>
internal static class BedrockTargetValidation
{
    public const string Prefix = "bedrock:";

    public static async Task<int> RunAsync(CliContext context, FileInfo file, string target, CancellationToken cancellationToken)
    {
        var model = target[Prefix.Length..];
        if (BedrockModelFamily.Find(model) is not { } family)
        {
            await context.Error.WriteLineAsync($"error: --target {target}: unknown Bedrock model; known families: {string.Join(", ", BedrockModelFamily.All.Select(f => f.Name))}.").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        if (!file.Exists)
        {
            await context.Error.WriteLineAsync($"error: file not found: {file.FullName}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        BedrockValidationReport report;
        try
        {
            report = await new BedrockDatasetValidator(family).ValidateAsync(file.FullName, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: cannot read {file.FullName}: {ex.Message}").ConfigureAwait(false);
            return CliApp.UsageError;
        }

        await WriteReportAsync(context.Output, report).ConfigureAwait(false);
        return report.IsValid ? CliApp.Success : CliApp.Failed;
    }

    public static async Task WriteReportAsync(TextWriter output, BedrockValidationReport report)
    {
        await WriteFindingsAsync(output, report.Findings).ConfigureAwait(false);
        var errors = report.Findings.Count(f => f.Severity == FindingSeverity.Error);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{report.Family.DisplayName} ({report.Family.Format}): {report.Records} record(s), {errors} error(s), {report.Findings.Count - errors} warning(s).")).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Tokens per epoch: {report.Tokens} (largest record {report.MaxRecordTokens}, limit {report.Family.MaxTokensPerRecord}); {(report.TokensAreEstimates ? "ESTIMATE" : "counted")}: {report.TokenCountMethod}.")).ConfigureAwait(false);
    }

    public static async Task WriteFindingsAsync(TextWriter output, IReadOnlyList<ValidationFinding> findings)
    {
        foreach (var finding in findings.Take(ValidateCommand.MaxListedFindings))
        {
            var where = finding.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"line {finding.Line}") : "file";
            await output.WriteLineAsync($"{finding.Severity.ToString().ToLowerInvariant()} {finding.Code} {where} {finding.Path}: {finding.Message}").ConfigureAwait(false);
        }

        if (findings.Count > ValidateCommand.MaxListedFindings)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"… and {findings.Count - ValidateCommand.MaxListedFindings} more finding(s).")).ConfigureAwait(false);
        }
    }
}
