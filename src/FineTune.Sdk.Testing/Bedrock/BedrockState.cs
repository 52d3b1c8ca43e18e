namespace FineTune.Sdk.Testing;

/// <summary>One row of the step-wise metrics (bedrock.md §3.6).</summary>
internal sealed record BedrockMetricsRow(int Step, int Epoch, double Loss);

/// <summary>A model customization job and its simulated timeline.</summary>
internal sealed class BedrockJob
{
    public required string Arn { get; init; }

    public required string Id { get; init; }

    /// <summary>Gets the job's own id generator when the emulator keeps a state file; <see langword="null"/> for the shared one.</summary>
    public Random? Ids { get; init; }

    public required string Name { get; init; }

    public required string CustomModelName { get; init; }

    public required string RoleArn { get; init; }

    public string? ClientRequestToken { get; init; }

    public required BedrockFoundationModel BaseModel { get; init; }

    /// <summary>Gets the custom model this job continues training from (iterative fine-tuning), if any.</summary>
    public BedrockCustomModel? SourceModel { get; init; }

    public required string CustomizationType { get; init; }

    public required string TrainingS3Uri { get; init; }

    public required IReadOnlyList<string> ValidationS3Uris { get; init; }

    public required string OutputS3Uri { get; init; }

    /// <summary>Gets the hyperparameters with the family's defaults filled in, as strings (the API's map).</summary>
    public required IReadOnlyDictionary<string, string> HyperParameters { get; init; }

    public string? KmsKeyId { get; init; }

    public string? VpcConfigJson { get; init; }

    public required long Sequence { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public required int Seed { get; init; }

    /// <summary>Gets the training file as it was when the job was created; <see langword="null"/> when the object was missing.</summary>
    public byte[]? TrainingData { get; init; }

    public required IReadOnlyList<byte[]?> ValidationData { get; init; }

    public DateTimeOffset LastModifiedTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    /// <summary>Gets or sets the API status: InProgress, Completed, Failed, Stopping, Stopped.</summary>
    public string Status { get; set; } = "InProgress";

    /// <summary>Gets or sets the internal phase while <c>InProgress</c>/<c>Stopping</c>: Validating, Training or Stopping.</summary>
    public string Phase { get; set; } = "Validating";

    public DateTimeOffset PhaseStart { get; set; }

    public string? FailureMessage { get; set; }

    public int StepsPerEpoch { get; set; }

    /// <summary>Gets or sets the number of training records (known after validation).</summary>
    public int RecordCount { get; set; }

    public int TotalSteps { get; set; }

    public int StepsDone { get; set; }

    public List<BedrockMetricsRow> Metrics { get; } = [];

    public double? ValidationLoss { get; set; }

    public BedrockCustomModel? OutputModel { get; set; }

    public Dictionary<string, LearnedAnswer> Learned { get; } = new(StringComparer.Ordinal);
}

/// <summary>A custom model produced by a completed job.</summary>
internal sealed class BedrockCustomModel
{
    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required BedrockJob Job { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public required long Sequence { get; init; }

    public BedrockFoundationModel BaseModel => Job.BaseModel;

    public IReadOnlyDictionary<string, LearnedAnswer> Learned => Job.Learned;
}

/// <summary>Provisioned throughput for a base or custom model.</summary>
internal sealed class BedrockProvisionedThroughput
{
    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required int ModelUnits { get; init; }

    public required BedrockFoundationModel FoundationModel { get; init; }

    public BedrockCustomModel? CustomModel { get; init; }

    public string ModelArn(string region) => CustomModel?.Arn ?? FoundationModel.Arn(region);

    public string? CommitmentDuration { get; init; }

    public string? ClientRequestToken { get; init; }

    public required long Sequence { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public string Status { get; set; } = "Creating";

    public DateTimeOffset LastModifiedTime { get; set; }
}

/// <summary>An on-demand custom model deployment.</summary>
internal sealed class BedrockDeployment
{
    public required string Arn { get; init; }

    public required string Name { get; init; }

    public required BedrockCustomModel Model { get; init; }

    public string? Description { get; init; }

    public string? ClientRequestToken { get; init; }

    public required long Sequence { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public string Status { get; set; } = "Creating";

    public DateTimeOffset LastUpdatedAt { get; set; }
}
