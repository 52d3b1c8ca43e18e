using System.Security.Cryptography;

namespace FineTune.Sdk;

/// <summary>Hashes and report loading the registry records lineage with.</summary>
public static class ModelRegistryHashes
{
    /// <summary>Computes the SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>Lower-case hex.</returns>
    public static async Task<string> FileSha256Async(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
            return Convert.ToHexString(hash).ToLowerInvariant();
        }
    }

    /// <summary>
    /// Reads a comparison report (<c>compare.json</c>) into the evaluation record a variant carries: its path, SHA-256,
    /// decision, candidate model id, golden-set hash and time.
    /// </summary>
    /// <param name="reportPath">The report's path, as it should be recorded (relative to <paramref name="baseDirectory"/> or absolute).</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against; the current directory when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The evaluation record.</returns>
    /// <exception cref="ModelRegistryException">The file cannot be read or is not a comparison report.</exception>
    public static async Task<RegistryEvaluation> ReadEvaluationAsync(string reportPath, string? baseDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reportPath);
        var full = Path.GetFullPath(reportPath, baseDirectory ?? Directory.GetCurrentDirectory());
        try
        {
            var text = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
            var report = ComparisonReportWriter.FromJson(text);
            return new RegistryEvaluation
            {
                ReportPath = reportPath,
                ReportSha256 = await FileSha256Async(full, cancellationToken).ConfigureAwait(false),
                Passed = report.Decision.Passed,
                CandidateModelId = report.Candidate.ModelId,
                GoldenSetSha256 = report.GoldenSetSha256,
                GeneratedAt = report.GeneratedAt,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new ModelRegistryException("report.unreadable", $"The comparison report {full} cannot be read: {ex.Message}");
        }
    }

    /// <summary>Reads an adaptation decision record (<c>finetune advise --out</c>) into the reference a variant carries: its path, SHA-256 and recommendation.</summary>
    /// <param name="recordPath">The record's path, as it should be recorded (relative to <paramref name="baseDirectory"/> or absolute).</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against; the current directory when <see langword="null"/>.</param>
    /// <param name="cancellationToken">A token to cancel the read.</param>
    /// <returns>The decision record reference.</returns>
    /// <exception cref="ModelRegistryException">The file cannot be read or is not a decision record.</exception>
    public static async Task<RegistryDecisionRecord> ReadDecisionRecordAsync(string recordPath, string? baseDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(recordPath);
        var full = Path.GetFullPath(recordPath, baseDirectory ?? Directory.GetCurrentDirectory());
        try
        {
            var decision = AdaptationAdvisor.FromJson(await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false));
            return new RegistryDecisionRecord
            {
                Path = recordPath,
                Sha256 = await FileSha256Async(full, cancellationToken).ConfigureAwait(false),
                Recommendation = decision.Recommendation,
                UseCase = decision.UseCase,
                DecidedAt = decision.DecidedAt,
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new ModelRegistryException("decision-record.unreadable", $"The decision record {full} cannot be read: {ex.Message}");
        }
    }
}
