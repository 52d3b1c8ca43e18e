using Microsoft.Extensions.AI;

namespace FineTune.Sdk.Bedrock;

/// <summary>Bedrock-specific settings of one customization job, beyond the neutral <see cref="FineTuneJobRequest"/>.</summary>
public sealed class BedrockJobOptions
{
    /// <summary>Gets or sets the job name (<c>jobName</c>, 1–63 characters).</summary>
    /// <value>Defaults to <see langword="null"/>: derived from the suffix and the idempotency key, so a retry reuses it.</value>
    public string? JobName { get; set; }

    /// <summary>Gets or sets the custom model's name (<c>customModelName</c>, 1–63 characters).</summary>
    /// <value>Defaults to <see langword="null"/>: derived like <see cref="JobName"/>.</value>
    public string? CustomModelName { get; set; }

    /// <summary>Gets or sets the role, overriding <see cref="BedrockFineTuneProviderOptions.RoleArn"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? RoleArn { get; set; }

    /// <summary>Gets or sets the output prefix, overriding <see cref="BedrockFineTuneProviderOptions.OutputS3Uri"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? OutputS3Uri { get; set; }

    /// <summary>Gets or sets the KMS key for the custom model (<c>customModelKmsKeyId</c>).</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? CustomModelKmsKeyId { get; set; }

    /// <summary>
    /// Gets hyperparameters sent as-is (Bedrock takes strings), added to those mapped from
    /// <see cref="FineTuneHyperparameters"/> (<c>epochCount</c>, <c>batchSize</c>, <c>learningRateMultiplier</c>);
    /// for example <c>learningRate</c> or <c>learningRateWarmupSteps</c>. Names and ranges are checked against the
    /// base model's family before anything is sent.
    /// </summary>
    /// <value>Empty by default.</value>
    public IDictionary<string, string> HyperParameters { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Filters of <see cref="BedrockFineTuneProvider.ListJobsAsync(BedrockJobFilter, CancellationToken)"/>.</summary>
public sealed class BedrockJobFilter
{
    /// <summary>Gets or sets the Bedrock status to match (<c>InProgress</c>, <c>Completed</c>, <c>Failed</c>, <c>Stopping</c>, <c>Stopped</c>).</summary>
    /// <value>Defaults to <see langword="null"/> (any).</value>
    public string? Status { get; set; }

    /// <summary>Gets or sets a substring the job name must contain.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? NameContains { get; set; }

    /// <summary>Gets or sets the earliest creation time.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public DateTimeOffset? CreatedAfter { get; set; }

    /// <summary>Gets or sets the latest creation time.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public DateTimeOffset? CreatedBefore { get; set; }

    /// <summary>Gets or sets a value indicating whether the oldest come first.</summary>
    /// <value>Defaults to <see langword="false"/> (newest first).</value>
    public bool OldestFirst { get; set; }
}

/// <summary>A custom model produced by a customization job.</summary>
public sealed class BedrockCustomModel
{
    /// <summary>Initializes a new instance of the <see cref="BedrockCustomModel"/> class.</summary>
    /// <param name="arn">The model ARN.</param>
    /// <param name="name">The model name.</param>
    public BedrockCustomModel(string arn, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(arn);
        Arn = arn;
        Name = name ?? string.Empty;
    }

    /// <summary>Gets the model ARN.</summary>
    public string Arn { get; }

    /// <summary>Gets the model name.</summary>
    public string Name { get; }

    /// <summary>Gets the status: <c>Active</c>, <c>Creating</c> or <c>Failed</c>.</summary>
    /// <value><see langword="null"/> when the service did not say.</value>
    public string? Status { get; init; }

    /// <summary>Gets the ARN of the job that trained it.</summary>
    public string? JobArn { get; init; }

    /// <summary>Gets the base model's ARN.</summary>
    public string? BaseModelArn { get; init; }

    /// <summary>Gets the creation time.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the final training loss reported by the service.</summary>
    public double? TrainingLoss { get; init; }

    /// <summary>Gets the final validation loss reported by the service.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Gets the failure message of a failed model.</summary>
    public string? FailureMessage { get; init; }

    /// <summary>Gets the wire object this was mapped from.</summary>
    public object? RawRepresentation { get; init; }

    /// <summary>Gets other properties.</summary>
    public AdditionalPropertiesDictionary? AdditionalProperties { get; init; }
}

/// <summary>Provisioned Throughput: model units reserved for a base or custom model, billed hourly until deleted.</summary>
public sealed class BedrockProvisionedThroughput
{
    /// <summary>Initializes a new instance of the <see cref="BedrockProvisionedThroughput"/> class.</summary>
    /// <param name="arn">The provisioned model ARN (use it as the model id for Converse).</param>
    /// <param name="name">The provisioned model name.</param>
    public BedrockProvisionedThroughput(string arn, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(arn);
        Arn = arn;
        Name = name ?? string.Empty;
    }

    /// <summary>Gets the provisioned model ARN.</summary>
    public string Arn { get; }

    /// <summary>Gets the provisioned model name.</summary>
    public string Name { get; }

    /// <summary>Gets the status: <c>Creating</c>, <c>InService</c>, <c>Updating</c> or <c>Failed</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the ARN of the model served.</summary>
    public string? ModelArn { get; init; }

    /// <summary>Gets the model units.</summary>
    public int? ModelUnits { get; init; }

    /// <summary>Gets the commitment (<c>OneMonth</c>, <c>SixMonths</c>), or null for no commitment.</summary>
    public string? CommitmentDuration { get; init; }

    /// <summary>Gets the creation time.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the failure message.</summary>
    public string? FailureMessage { get; init; }

    /// <summary>Gets a value indicating whether it can serve requests.</summary>
    public bool IsReady => string.Equals(Status, "InService", StringComparison.Ordinal);

    /// <summary>Gets the wire object this was mapped from.</summary>
    public object? RawRepresentation { get; init; }
}

/// <summary>An on-demand custom model deployment (billed per token).</summary>
public sealed class BedrockModelDeployment
{
    /// <summary>Initializes a new instance of the <see cref="BedrockModelDeployment"/> class.</summary>
    /// <param name="arn">The deployment ARN (use it as the model id for Converse).</param>
    /// <param name="name">The deployment name.</param>
    public BedrockModelDeployment(string arn, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(arn);
        Arn = arn;
        Name = name ?? string.Empty;
    }

    /// <summary>Gets the deployment ARN.</summary>
    public string Arn { get; }

    /// <summary>Gets the deployment name.</summary>
    public string Name { get; }

    /// <summary>Gets the status: <c>Creating</c>, <c>Active</c> or <c>Failed</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Gets the custom model ARN deployed.</summary>
    public string? ModelArn { get; init; }

    /// <summary>Gets the creation time.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets the failure message.</summary>
    public string? FailureMessage { get; init; }

    /// <summary>Gets a value indicating whether it can serve requests.</summary>
    public bool IsReady => string.Equals(Status, "Active", StringComparison.Ordinal);

    /// <summary>Gets the wire object this was mapped from.</summary>
    public object? RawRepresentation { get; init; }
}
