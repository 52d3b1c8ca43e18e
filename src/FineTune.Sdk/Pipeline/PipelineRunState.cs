using System.Text.Json.Serialization;

namespace FineTune.Sdk;

/// <summary>
/// The run state file (<c>run-state.json</c> in the output folder), written whole after every step: what a rerun reads
/// to continue at the first unfinished step. Also the data the run report is made from.
/// </summary>
internal sealed class PipelineRunState
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    public string RunId { get; set; } = string.Empty;

    public string Pipeline { get; set; } = string.Empty;

    public string Provider { get; set; } = string.Empty;

    public string BaseModel { get; set; } = string.Empty;

    public string DatasetSha256 { get; set; } = string.Empty;

    public List<string> CompletedSteps { get; set; } = [];

    public List<string> Warnings { get; set; } = [];

    public string? StoppedAt { get; set; }

    public string? StopReason { get; set; }

    public DatasetSection? Dataset { get; set; }

    public RedactionSection? Redaction { get; set; }

    public SplitSection? Split { get; set; }

    public EstimateSection? Estimate { get; set; }

    public ConversionSection? Conversion { get; set; }

    public UploadSection? Upload { get; set; }

    public JobSection? Job { get; set; }

    public SweepSection? Sweep { get; set; }

    public List<MetricPoint> Metrics { get; set; } = [];

    public List<DiagnosisFinding> Diagnosis { get; set; } = [];

    public HostingSection? Hosting { get; set; }

    public ComparisonSection? Comparison { get; set; }

    public RegistrationSection? Registration { get; set; }

    public bool IsDone(FineTunePipelineStep step) => CompletedSteps.Contains(PipelineSteps.Name(step), StringComparer.Ordinal);

    internal sealed class DatasetSection
    {
        public string Name { get; set; } = string.Empty;

        public long Rows { get; set; }

        public string Format { get; set; } = string.Empty;

        public int Errors { get; set; }

        public int Warnings { get; set; }

        public Dictionary<string, int> FindingCodes { get; set; } = [];

        public long? Tokens { get; set; }

        public long? BilledTokens { get; set; }
    }

    internal sealed class RedactionSection
    {
        public long RedactedRows { get; set; }

        public Dictionary<string, long> Replacements { get; set; } = [];
    }

    internal sealed class SplitSection
    {
        public long TrainRows { get; set; }

        public long ValidationRows { get; set; }

        public long HoldoutRows { get; set; }

        public long MovedRows { get; set; }

        public int Seed { get; set; }

        public string TrainSha256 { get; set; } = string.Empty;
    }

    internal sealed class EstimateSection
    {
        public string Model { get; set; } = string.Empty;

        public long TrainingExamples { get; set; }

        public long TrainingTokensPerEpoch { get; set; }

        public int Epochs { get; set; }

        public bool EpochsAreAutomatic { get; set; }

        public long BilledTokens { get; set; }

        public decimal TotalUsd { get; set; }

        public decimal? BudgetUsd { get; set; }

        public decimal? TrainingPricePerMillionTokens { get; set; }

        /// <summary>The training alone (the total adds the hosting).</summary>
        public decimal? TrainingUsd { get; set; }

        public decimal? HostingUsd { get; set; }

        public string? Hosting { get; set; }

        public bool TokensAreEstimates { get; set; }
    }

    /// <summary>The split files converted to the provider's format (what is uploaded).</summary>
    internal sealed class ConversionSection
    {
        public string Format { get; set; } = string.Empty;

        public long TrainRows { get; set; }

        public long ValidationRows { get; set; }

        public long TrainTokens { get; set; }

        public long ValidationTokens { get; set; }

        public bool TokensAreEstimates { get; set; }

        public string TokenCountMethod { get; set; } = string.Empty;

        public string TrainSha256 { get; set; } = string.Empty;

        public string? ValidationSha256 { get; set; }
    }

    /// <summary>The hosting that makes the candidate callable: its id is saved before waiting, so a rerun re-attaches.</summary>
    internal sealed class HostingSection
    {
        public string Kind { get; set; } = string.Empty;

        public string Name { get; set; } = string.Empty;

        public string IdempotencyKey { get; set; } = string.Empty;

        public string? Id { get; set; }

        public string? Status { get; set; }

        public string? InvocationModelId { get; set; }

        public bool Kept { get; set; }

        public bool Released { get; set; }
    }

    internal sealed class UploadSection
    {
        public string TrainingFileId { get; set; } = string.Empty;

        public string? ValidationFileId { get; set; }

        public bool TrainingReused { get; set; }

        public string? TrainingSha256 { get; set; }

        public string? ValidationSha256 { get; set; }

        /// <summary>True once the validation file (when there is one) is uploaded too; the train file is recorded first.</summary>
        public bool Complete { get; set; } = true;
    }

    internal sealed class JobSection
    {
        public string Id { get; set; } = string.Empty;

        public string IdempotencyKey { get; set; } = string.Empty;

        public string? Status { get; set; }

        public string? FineTunedModel { get; set; }

        public long? TrainedTokens { get; set; }

        public int? Epochs { get; set; }

        public int? BatchSize { get; set; }

        public double? LearningRateMultiplier { get; set; }

        public string? ErrorCode { get; set; }

        public string? ErrorMessage { get; set; }
    }

    /// <summary>A hyperparameter sweep: one entry per grid job, the winner and the rule that chose it.</summary>
    internal sealed class SweepSection
    {
        public int MaxConcurrentJobs { get; set; }

        public List<SweepJob> Jobs { get; set; } = [];

        public int? Winner { get; set; }

        public string? WinnerRule { get; set; }

        public bool TieBroken { get; set; }
    }

    internal sealed class SweepJob
    {
        public int Point { get; set; }

        public int? Epochs { get; set; }

        public double? LearningRateMultiplier { get; set; }

        public long BilledTokens { get; set; }

        public decimal EstimateUsd { get; set; }

        public string IdempotencyKey { get; set; } = string.Empty;

        /// <summary>Set (and saved) before the start call, so a rerun counts a job that may exist but whose id was never saved.</summary>
        public bool StartRequested { get; set; }

        public JobSection? Job { get; set; }

        public double? FinalValidLoss { get; set; }

        public double? FinalTrainLoss { get; set; }

        public List<DiagnosisFinding> Diagnosis { get; set; } = [];

        public double? TieBreakPassRate { get; set; }
    }

    internal sealed class MetricPoint
    {
        public int Step { get; set; }

        public double? TrainLoss { get; set; }

        public double? ValidLoss { get; set; }

        public double? TrainAccuracy { get; set; }

        public double? ValidAccuracy { get; set; }
    }

    internal sealed class DiagnosisFinding
    {
        public string Code { get; set; } = string.Empty;

        public string Kind { get; set; } = string.Empty;

        public string Severity { get; set; } = string.Empty;

        public string Message { get; set; } = string.Empty;

        public string? Advice { get; set; }

        public SortedDictionary<string, double>? Figures { get; set; }
    }

    internal sealed class ComparisonSection
    {
        public bool Passed { get; set; }

        public string GoldenSet { get; set; } = string.Empty;

        public int Cases { get; set; }

        public string PrimaryScorer { get; set; } = string.Empty;

        public double BaselinePassRate { get; set; }

        public double CandidatePassRate { get; set; }

        public string ReportSha256 { get; set; } = string.Empty;

        public List<RuleLine> Rules { get; set; } = [];
    }

    internal sealed class RuleLine
    {
        public string Rule { get; set; } = string.Empty;

        public bool Passed { get; set; }

        public bool Blocking { get; set; }

        public string? Figure { get; set; }
    }

    internal sealed class RegistrationSection
    {
        public string Feature { get; set; } = string.Empty;

        public string Variant { get; set; } = string.Empty;

        public string Store { get; set; } = string.Empty;

        public string Status { get; set; } = string.Empty;
    }
}

/// <summary>Source-generated JSON metadata of the run state and the run report.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(PipelineRunState))]
[JsonSerializable(typeof(PipelineReport))]
internal sealed partial class PipelineJsonContext : JsonSerializerContext;
