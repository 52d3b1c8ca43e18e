namespace FineTune.Sdk.Testing;

/// <summary>A stored file.</summary>
internal sealed class EmulatedFile(string id, string fileName, string purpose, byte[] content, long createdAt, long sequence)
{
    public string Id { get; } = id;

    public string FileName { get; } = fileName;

    public string Purpose { get; } = purpose;

    public byte[] Content { get; } = content;

    public long CreatedAt { get; } = createdAt;

    public long Sequence { get; } = sequence;

    public long? ExpiresAt { get; init; }
}

/// <summary>An upload session of the Uploads API.</summary>
internal sealed class EmulatedUpload(string id, string fileName, string purpose, long bytes, string mimeType, long createdAt)
{
    public string Id { get; } = id;

    public string FileName { get; } = fileName;

    public string Purpose { get; } = purpose;

    public long Bytes { get; } = bytes;

    public string MimeType { get; } = mimeType;

    public long CreatedAt { get; } = createdAt;

    public long ExpiresAt => CreatedAt + 3600;

    public string Status { get; set; } = "pending";

    public Dictionary<string, byte[]> Parts { get; } = new(StringComparer.Ordinal);

    public EmulatedFile? File { get; set; }
}

/// <summary>A job event (<c>fine_tuning.job.event</c>).</summary>
internal sealed record EmulatedEvent(string Id, long CreatedAt, string Level, string Message, string Type, string? DataJson);

/// <summary>Per-step metrics; validation values are null on steps without validation.</summary>
internal sealed record MetricsRow(int Step, double TrainLoss, double TrainAccuracy, double? ValidLoss, double? ValidAccuracy, double? FullValidLoss, double? FullValidAccuracy);

/// <summary>A checkpoint (<c>fine_tuning.job.checkpoint</c>).</summary>
internal sealed record EmulatedCheckpoint(string Id, long CreatedAt, string Model, string JobId, int Step, MetricsRow Metrics);

/// <summary>"auto" or a number, as hyperparameters are sent and returned.</summary>
internal readonly record struct HyperValue(bool IsAuto, double Value, bool IsInteger)
{
    public static HyperValue Auto => new(true, 0, false);

    public static HyperValue Int(int value) => new(false, value, true);

    public static HyperValue Number(double value) => new(false, value, false);
}

/// <summary>A fine-tuning job and its training timeline.</summary>
internal sealed class EmulatedJob
{
    public required string Id { get; init; }

    public required long Sequence { get; init; }

    /// <summary>Gets the job's own id generator (events, checkpoints, models, result file) when the emulator keeps a state
    /// file, so the ids do not depend on when requests advanced the job; <see langword="null"/> to use the shared one.</summary>
    public Random? Ids { get; init; }

    public required long CreatedAt { get; init; }

    public required string Model { get; init; }

    public required BaseModel BaseModel { get; init; }

    public required string TrainingFile { get; init; }

    public string? ValidationFile { get; init; }

    public string? Suffix { get; init; }

    public required int Seed { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }

    /// <summary>Gets the raw JSON of each integration, echoed back.</summary>
    public List<string> Integrations { get; init; } = [];

    public required string Method { get; init; }

    /// <summary>Gets the raw JSON of the reinforcement grader, echoed back.</summary>
    public string? GraderJson { get; init; }

    public HyperValue Epochs { get; set; }

    public HyperValue BatchSize { get; set; }

    public HyperValue LearningRate { get; set; }

    public HyperValue Beta { get; set; }

    public Dictionary<string, string> ExtraHyperparameters { get; init; } = new(StringComparer.Ordinal);

    public required TrainingFileReport Training { get; init; }

    public TrainingFileReport? Validation { get; init; }

    public int? FailAtStep { get; init; }

    public string Status { get; set; } = "validating_files";

    public string? ErrorCode { get; set; }

    public string? ErrorMessage { get; set; }

    public string? ErrorParam { get; set; }

    public string? FineTunedModel { get; set; }

    /// <summary>Gets or sets the model name reserved at validation time (published only on success).</summary>
    public string? ReservedModelName { get; set; }

    public long? FinishedAt { get; set; }

    public long? TrainedTokens { get; set; }

    public List<string> ResultFiles { get; } = [];

    public List<EmulatedEvent> Events { get; } = [];

    public List<EmulatedCheckpoint> Checkpoints { get; } = [];

    public List<MetricsRow> Metrics { get; } = [];

    /// <summary>Gets or sets when the current phase (validating, queued, running) started.</summary>
    public DateTimeOffset PhaseStart { get; set; }

    public int StepsDone { get; set; }

    public int StepsAtPhaseStart { get; set; }

    public int StepsPerEpoch { get; set; }

    public int TotalSteps { get; set; }

    public Dictionary<string, LearnedAnswer> Learned { get; } = new(StringComparer.Ordinal);

    public bool IsTerminal => Status is "succeeded" or "failed" or "cancelled";
}
