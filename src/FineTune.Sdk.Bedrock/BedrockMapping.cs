using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Bedrock;

/// <summary>Wire shapes to neutral and public models, and the deterministic names and tokens of a start.</summary>
internal static class BedrockMapping
{
    /// <summary>The neutral status of a Bedrock <c>Stopping</c> job (not terminal; becomes cancelled).</summary>
    public static readonly FineTuneJobStatus Stopping = new("stopping");

    /// <summary>The neutral hyperparameters under Bedrock's names (<c>epochCount</c>, <c>batchSize</c>, <c>learningRateMultiplier</c>); unset ones are left out.</summary>
    public static Dictionary<string, string> HyperParameters(int? epochs, int? batchSize, double? learningRateMultiplier)
    {
        var hyper = new Dictionary<string, string>(StringComparer.Ordinal);
        if (epochs is { } e)
        {
            hyper["epochCount"] = e.ToString(CultureInfo.InvariantCulture);
        }

        if (batchSize is { } batch)
        {
            hyper["batchSize"] = batch.ToString(CultureInfo.InvariantCulture);
        }

        if (learningRateMultiplier is { } lrm)
        {
            hyper["learningRateMultiplier"] = lrm.ToString("R", CultureInfo.InvariantCulture);
        }

        return hyper;
    }

    public static FineTuneJobStatus Status(string? status) => status switch
    {
        "InProgress" => FineTuneJobStatus.Running,
        "Completed" => FineTuneJobStatus.Succeeded,
        "Failed" => FineTuneJobStatus.Failed,
        "Stopping" => Stopping,
        "Stopped" => FineTuneJobStatus.Cancelled,
        null or "" => FineTuneJobStatus.Queued,
        _ => new FineTuneJobStatus(status),
    };

    public static string? StatusFilter(FineTuneJobStatus status)
        => status == FineTuneJobStatus.Running ? "InProgress"
            : status == FineTuneJobStatus.Succeeded ? "Completed"
            : status == FineTuneJobStatus.Failed ? "Failed"
            : status == FineTuneJobStatus.Cancelled ? "Stopped"
            : status == Stopping ? "Stopping"
            : null;

    /// <summary>
    /// The <c>clientRequestToken</c> for an idempotency key: <c>ft-</c> and the hex SHA-256 of the key, which
    /// always fits the token pattern and is the same on every retry.
    /// </summary>
    public static string ClientRequestToken(string idempotencyKey)
        => "ft-" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey))).ToLowerInvariant();

    /// <summary>A job or model name (pattern-safe, ≤63) from an optional suffix and the token.</summary>
    public static string DerivedName(string? suffix, string token)
    {
        var builder = new StringBuilder("ft");
        if (!string.IsNullOrWhiteSpace(suffix))
        {
            var clean = new string(suffix.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
            while (clean.Contains("--", StringComparison.Ordinal))
            {
                clean = clean.Replace("--", "-", StringComparison.Ordinal);
            }

            clean = clean.Trim('-');
            if (clean.Length > 0)
            {
                builder.Append('-').Append(clean.Length > 40 ? clean[..40].TrimEnd('-') : clean);
            }
        }

        builder.Append('-').Append(token.AsSpan(3, 12));
        return builder.ToString();
    }

    public static FineTuneJob Job(JobDto dto, string? idempotencyKey = null)
    {
        var id = dto.JobArn ?? throw new FineTuneException("Bedrock returned a job without a jobArn.") { Provider = BedrockErrors.Provider };
        var hyper = dto.HyperParameters ?? [];
        var extra = new AdditionalPropertiesDictionary();
        Put(extra, "jobName", dto.JobName);
        Put(extra, "customModelName", dto.OutputModelName ?? dto.CustomModelName);
        Put(extra, "outputS3Uri", dto.OutputDataConfig?.S3Uri);
        Put(extra, "roleArn", dto.RoleArn);
        Put(extra, "customizationType", dto.CustomizationType);
        Put(extra, "clientRequestToken", dto.ClientRequestToken);
        if (dto.TrainingMetrics?.TrainingLoss is { } trainingLoss)
        {
            extra["trainingLoss"] = (double)trainingLoss;
        }

        if (dto.ValidationMetrics is { Count: > 0 } validation && validation[^1].ValidationLoss is { } validationLoss)
        {
            extra["validationLoss"] = (double)validationLoss;
        }

        if (hyper.Count > 0)
        {
            extra["hyperParameters"] = new Dictionary<string, string>(hyper, StringComparer.Ordinal);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (idempotencyKey is not null)
        {
            metadata[FineTuneJobRequest.IdempotencyMetadataKey] = idempotencyKey;
        }

        return new FineTuneJob(id, Status(dto.Status))
        {
            RawStatus = dto.Status,
            Provider = BedrockErrors.Provider,
            BaseModel = dto.BaseModelArn,
            FineTunedModel = dto.OutputModelArn ?? dto.CustomModelArn,
            TrainingFileId = dto.TrainingDataConfig?.S3Uri,
            ValidationFileId = dto.ValidationDataConfig?.Validators is { Count: > 0 } validators ? validators[0].S3Uri : null,
            Hyperparameters = new FineTuneHyperparameters
            {
                Epochs = Int(hyper, "epochCount"),
                BatchSize = Int(hyper, "batchSize"),
                LearningRateMultiplier = Double(hyper, "learningRateMultiplier"),
            },
            CreatedAt = dto.CreationTime,
            FinishedAt = dto.EndTime,
            Suffix = dto.OutputModelName ?? dto.CustomModelName,
            Metadata = metadata,
            Error = dto.FailureMessage is { } failure ? new FineTuneJobError(dto.Status, failure, null) : null,
            RawRepresentation = dto,
            AdditionalProperties = extra,
        };
    }

    public static BedrockCustomModel CustomModel(CustomModelDto dto) => new(dto.ModelArn ?? string.Empty, dto.ModelName ?? string.Empty)
    {
        Status = dto.ModelStatus,
        JobArn = dto.JobArn,
        BaseModelArn = dto.BaseModelArn,
        CreatedAt = dto.CreationTime,
        TrainingLoss = dto.TrainingMetrics?.TrainingLoss,
        ValidationLoss = dto.ValidationMetrics is { Count: > 0 } v ? v[^1].ValidationLoss : null,
        FailureMessage = dto.FailureMessage,
        RawRepresentation = dto,
    };

    public static BedrockProvisionedThroughput ProvisionedThroughput(ProvisionedThroughputDto dto) => new(dto.ProvisionedModelArn ?? string.Empty, dto.ProvisionedModelName ?? string.Empty)
    {
        Status = dto.Status,
        ModelArn = dto.ModelArn,
        ModelUnits = dto.ModelUnits,
        CommitmentDuration = dto.CommitmentDuration,
        CreatedAt = dto.CreationTime,
        FailureMessage = dto.FailureMessage,
        RawRepresentation = dto,
    };

    public static BedrockModelDeployment Deployment(DeploymentDto dto) => new(dto.CustomModelDeploymentArn ?? string.Empty, dto.ModelDeploymentName ?? dto.CustomModelDeploymentName ?? string.Empty)
    {
        Status = dto.Status,
        ModelArn = dto.ModelArn,
        CreatedAt = dto.CreatedAt,
        FailureMessage = dto.FailureMessage,
        RawRepresentation = dto,
    };

    /// <summary>The job id of the S3 output folder: the last segment of the job ARN.</summary>
    public static string JobIdOf(string jobArn) => jobArn[(jobArn.LastIndexOf('/') + 1)..];

    public static string Timestamp(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Put(AdditionalPropertiesDictionary extra, string key, string? value)
    {
        if (value is not null)
        {
            extra[key] = value;
        }
    }

    private static int? Int(Dictionary<string, string> values, string key)
        => values.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static double? Double(Dictionary<string, string> values, string key)
        => values.TryGetValue(key, out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
