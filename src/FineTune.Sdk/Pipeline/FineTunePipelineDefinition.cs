namespace FineTune.Sdk;

/// <summary>
/// A pipeline file (<c>finetune.yaml</c> or <c>.json</c>): what <see cref="FineTunePipeline"/> runs. Read one with
/// <see cref="FineTunePipelineDefinition.LoadAsync"/>; the reference is <c>docs/pipeline.md</c> and the JSON Schema
/// <c>schemas/finetune-pipeline.schema.json</c>. Relative paths are resolved against <see cref="BaseDirectory"/>.
/// </summary>
public sealed class FineTunePipelineDefinition
{
    /// <summary>Gets or sets the pipeline's name, used in the run id and the job suffix.</summary>
    /// <value>Defaults to <c>finetune</c>. Letters, digits, '-' and '_' only.</value>
    public string Name { get; set; } = "finetune";

    /// <summary>Gets or sets the provider: <c>emulator</c> (the embedded OpenAI emulator, no key), <c>openai</c> or <c>bedrock</c>.</summary>
    /// <value>Required.</value>
    public string Provider { get; set; } = string.Empty;

    /// <summary>Gets or sets an OpenAI-compatible base URL for <c>openai</c> (for example a loopback emulator's).</summary>
    /// <value>Defaults to <see langword="null"/>: the provider's own endpoint.</value>
    public string? Endpoint { get; set; }

    /// <summary>Gets or sets the base model to fine-tune, for example <c>gpt-4o-mini-2024-07-18</c>.</summary>
    /// <value>Required.</value>
    public string BaseModel { get; set; } = string.Empty;

    /// <summary>Gets or sets the chat JSONL dataset.</summary>
    /// <value>Required.</value>
    public string Dataset { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether personal data and secrets are replaced by placeholders before the split.</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Redact { get; set; }

    /// <summary>Gets the split shares and seed.</summary>
    /// <value>10% validation, 15% holdout, seed 0.</value>
    public FineTunePipelineSplit Split { get; } = new();

    /// <summary>Gets the quality gates the validation runs: <c>all</c>, <c>none</c> or gate names.</summary>
    /// <value>Defaults to <c>all</c>.</value>
    public IList<string> Gates { get; } = ["all"];

    /// <summary>Gets or sets the number of valid rows under which the run stops.</summary>
    /// <value>Defaults to 10 (the providers' own minimum).</value>
    public int MinimumExamples { get; set; } = 10;

    /// <summary>Gets or sets the number of valid rows under which the run warns.</summary>
    /// <value>Defaults to 50.</value>
    public int RecommendedExamples { get; set; } = 50;

    /// <summary>Gets or sets the most the training may cost, in USD; an estimate above it stops the run before any upload.</summary>
    /// <value>Defaults to <see langword="null"/>: no cap.</value>
    public decimal? BudgetUsd { get; set; }

    /// <summary>Gets the hyperparameters; a null one is chosen by the provider (<c>hyperparameters: auto</c> leaves all null).</summary>
    /// <value>All automatic.</value>
    public FineTunePipelineHyperparameters Hyperparameters { get; } = new();

    /// <summary>Gets or sets the hyperparameter sweep: a grid of jobs over epochs and learning-rate multipliers, the winner picked by validation loss.</summary>
    /// <value>Defaults to <see langword="null"/>: one job with <see cref="Hyperparameters"/>.</value>
    public FineTunePipelineSweep? Sweep { get; set; }

    /// <summary>Gets or sets the fine-tuned model's suffix.</summary>
    /// <value>Defaults to <see langword="null"/>: the pipeline's name (up to 18 characters).</value>
    public string? Suffix { get; set; }

    /// <summary>Gets or sets the golden set (JSONL <c>{id, input, expected, tags}</c> or held-out chat rows).</summary>
    /// <value>Defaults to <see langword="null"/>: the holdout split.</value>
    public string? GoldenSet { get; set; }

    /// <summary>Gets the scorers of the comparison (<c>exact</c>, <c>json-valid</c>, ...).</summary>
    /// <value>Defaults to <c>exact</c>.</value>
    public IList<string> Scorers { get; } = ["exact"];

    /// <summary>Gets the acceptance policy overrides (a null value keeps <see cref="AcceptancePolicy"/>'s default).</summary>
    /// <value>No overrides.</value>
    public FineTunePipelineAcceptance Acceptance { get; } = new();

    /// <summary>Gets where the candidate is registered (never promoted).</summary>
    /// <value>Feature <see langword="null"/> (the pipeline's name), store <c>file:registry.json</c> in the output folder.</value>
    public FineTunePipelineRegistry Registry { get; } = new();

    /// <summary>Gets or sets the Amazon Bedrock settings of provider <c>bedrock</c>: region, role, S3 locations, endpoints, hosting. Credentials are never in the file: the standard AWS chain supplies them.</summary>
    /// <value>Defaults to <see langword="null"/>; required when <see cref="Provider"/> is <c>bedrock</c>.</value>
    public FineTunePipelineBedrock? Bedrock { get; set; }

    /// <summary>Gets or sets the output folder: run state, split files, reports, the file registry.</summary>
    /// <value>Defaults to <c>finetune-output</c> next to the pipeline file.</value>
    public string Output { get; set; } = "finetune-output";

    /// <summary>Gets or sets the folder relative paths are resolved against.</summary>
    /// <value>The pipeline file's folder when loaded; otherwise the current directory.</value>
    public string BaseDirectory { get; set; } = Directory.GetCurrentDirectory();

    /// <summary>Gets or sets the pipeline file this definition was read from.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? SourcePath { get; set; }

    /// <summary>Resolves a path of this definition against <see cref="BaseDirectory"/>.</summary>
    /// <param name="path">A path as written in the file.</param>
    /// <returns>The absolute path.</returns>
    public string ResolvePath(string path) => Path.GetFullPath(Path.Combine(BaseDirectory, path));

    /// <summary>Reads a pipeline file (YAML, or JSON when it ends with <c>.json</c>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The definition, checked.</returns>
    /// <exception cref="FineTunePipelineDefinitionException">The file is malformed or a field is invalid; the message names the file, line and field.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static async Task<FineTunePipelineDefinition> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Pipeline file not found: {full}", full);
        }

        var text = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
        return PipelineDefinitionReader.Parse(text, full);
    }

    /// <summary>Reads a pipeline definition from text.</summary>
    /// <param name="text">YAML or JSON text.</param>
    /// <param name="sourceName">The name errors report; a name ending in <c>.json</c> is read as JSON.</param>
    /// <param name="baseDirectory">The folder relative paths are resolved against.</param>
    /// <returns>The definition, checked.</returns>
    /// <exception cref="FineTunePipelineDefinitionException">The text is malformed or a field is invalid.</exception>
    public static FineTunePipelineDefinition Parse(string text, string sourceName, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        var definition = PipelineDefinitionReader.Parse(text, sourceName);
        if (baseDirectory is not null)
        {
            definition.BaseDirectory = Path.GetFullPath(baseDirectory);
        }

        return definition;
    }
}

/// <summary>How the dataset is split (see <see cref="DatasetSplitter"/>).</summary>
public sealed class FineTunePipelineSplit
{
    /// <summary>Gets or sets the validation share.</summary>
    /// <value>Defaults to 0.10.</value>
    public double Validation { get; set; } = 0.10;

    /// <summary>Gets or sets the holdout share (the golden set when none is given).</summary>
    /// <value>Defaults to 0.15.</value>
    public double Holdout { get; set; } = 0.15;

    /// <summary>Gets or sets the seed.</summary>
    /// <value>Defaults to 0.</value>
    public int Seed { get; set; }
}

/// <summary>Hyperparameters of the job; a null value is chosen by the provider.</summary>
public sealed class FineTunePipelineHyperparameters
{
    /// <summary>Gets or sets the number of epochs (1-50).</summary>
    /// <value>Defaults to <see langword="null"/>: automatic.</value>
    public int? Epochs { get; set; }

    /// <summary>Gets or sets the learning-rate multiplier (above 0).</summary>
    /// <value>Defaults to <see langword="null"/>: automatic.</value>
    public double? LearningRateMultiplier { get; set; }

    /// <summary>Gets or sets the batch size (1-256).</summary>
    /// <value>Defaults to <see langword="null"/>: automatic.</value>
    public int? BatchSize { get; set; }
}

/// <summary>
/// A hyperparameter sweep: one job per point of the grid <see cref="Epochs"/> × <see cref="LearningRateMultiplier"/>
/// (epochs outer, multiplier inner), all trained on the same upload, at most <see cref="MaxConcurrentJobs"/> at once. The
/// budget cap applies to the whole grid. The winner has the lowest final validation loss; near-ties (within
/// <see cref="NearTieShare"/> of the lowest) are broken by the comparison against the base on the golden set.
/// </summary>
public sealed class FineTunePipelineSweep
{
    /// <summary>The relative distance to the lowest final validation loss under which two grid jobs are a near-tie: 2%.</summary>
    public const double NearTieShare = 0.02;

    /// <summary>The largest grid a sweep may have.</summary>
    public const int MaxGridPoints = 16;

    /// <summary>Gets the epochs of the grid (each 1-50).</summary>
    /// <value>Defaults to empty: the <c>hyperparameters.epochs</c> value (or automatic) for every point.</value>
    public IList<int> Epochs { get; } = [];

    /// <summary>Gets the learning-rate multipliers of the grid (each above 0).</summary>
    /// <value>Defaults to empty: the <c>hyperparameters.learningRateMultiplier</c> value (or automatic) for every point.</value>
    public IList<double> LearningRateMultiplier { get; } = [];

    /// <summary>Gets or sets how many grid jobs may be running (not yet finished) at once.</summary>
    /// <value>Defaults to <see langword="null"/>: the provider's assumed limit (<see cref="DefaultMaxConcurrentJobs"/>).</value>
    public int? MaxConcurrentJobs { get; set; }

    /// <summary>Gets the number of grid points.</summary>
    /// <value><see cref="Epochs"/> count × <see cref="LearningRateMultiplier"/> count, an empty list counting as one.</value>
    internal int Points => Math.Max(1, Epochs.Count) * Math.Max(1, LearningRateMultiplier.Count);

    /// <summary>The concurrency limit assumed for a provider when <see cref="MaxConcurrentJobs"/> is not set.</summary>
    /// <param name="providerName">The provider's name (<see cref="FineTuneProviderCapabilities.ProviderName"/>).</param>
    /// <returns>3 for <c>openai</c> (and the emulator, which speaks its API), 2 for <c>bedrock</c>, 1 for any other.</returns>
    /// <remarks>
    /// Both figures are this SDK's own conservative choices, not documented quotas: the Bedrock reference we work from
    /// lists no quota on concurrent model-customization jobs (Service Quotas holds the account's figure), so 2 stays ours.
    /// </remarks>
    public static int DefaultMaxConcurrentJobs(string providerName) => providerName?.ToUpperInvariant() switch
    {
        "OPENAI" or "EMULATOR" => 3,
        "BEDROCK" => 2, // ours, not an AWS quota (docs/pipeline.md says so)
        _ => 1,
    };

    /// <summary>The grid, epochs outer and multiplier inner; a null value is the <paramref name="fallback"/>'s.</summary>
    internal IReadOnlyList<(int? Epochs, double? LearningRateMultiplier)> Grid(FineTunePipelineHyperparameters fallback)
    {
        IEnumerable<int?> epochs = Epochs.Count == 0 ? [fallback.Epochs] : Epochs.Select(e => (int?)e);
        IEnumerable<double?> multipliers = LearningRateMultiplier.Count == 0 ? [fallback.LearningRateMultiplier] : LearningRateMultiplier.Select(m => (double?)m);
        return [.. epochs.SelectMany(e => multipliers.Select(m => (e, m)))];
    }
}

/// <summary>Overrides of <see cref="AcceptancePolicy"/>; a null value keeps the policy's default.</summary>
public sealed class FineTunePipelineAcceptance
{
    /// <summary>Gets or sets <see cref="AcceptancePolicy.MinExactMatchLiftPoints"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? MinExactMatchLiftPoints { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.JsonValidBaselineThreshold"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? JsonValidBaselineThreshold { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.JsonValidCandidateTarget"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? JsonValidCandidateTarget { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.MaxBucketDropPoints"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? MaxBucketDropPoints { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.MaxRegressionRate"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? MaxRegressionRate { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.LatencyP95PassRatio"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? LatencyP95PassRatio { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.LatencyP95BlockRatio"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public double? LatencyP95BlockRatio { get; set; }

    /// <summary>Gets or sets <see cref="AcceptancePolicy.SafetyTagPrefix"/>.</summary>
    /// <value>Defaults to <see langword="null"/>.</value>
    public string? SafetyTagPrefix { get; set; }

    /// <summary>Gets the rule ids switched off (<see cref="AcceptancePolicy.DisabledRules"/>).</summary>
    /// <value>Defaults to empty.</value>
    public IList<string> DisabledRules { get; } = [];

    /// <summary>Applies the overrides to a policy.</summary>
    /// <param name="policy">The policy to change.</param>
    public void ApplyTo(AcceptancePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        policy.MinExactMatchLiftPoints = MinExactMatchLiftPoints ?? policy.MinExactMatchLiftPoints;
        policy.JsonValidBaselineThreshold = JsonValidBaselineThreshold ?? policy.JsonValidBaselineThreshold;
        policy.JsonValidCandidateTarget = JsonValidCandidateTarget ?? policy.JsonValidCandidateTarget;
        policy.MaxBucketDropPoints = MaxBucketDropPoints ?? policy.MaxBucketDropPoints;
        policy.MaxRegressionRate = MaxRegressionRate ?? policy.MaxRegressionRate;
        policy.LatencyP95PassRatio = LatencyP95PassRatio ?? policy.LatencyP95PassRatio;
        policy.LatencyP95BlockRatio = LatencyP95BlockRatio ?? policy.LatencyP95BlockRatio;
        policy.SafetyTagPrefix = SafetyTagPrefix ?? policy.SafetyTagPrefix;
        foreach (var rule in DisabledRules)
        {
            policy.DisabledRules.Add(rule);
        }
    }
}

/// <summary>Where the candidate is registered.</summary>
public sealed class FineTunePipelineRegistry
{
    /// <summary>Gets or sets the registry feature the candidate is registered under.</summary>
    /// <value>Defaults to <see langword="null"/>: the pipeline's name.</value>
    public string? Feature { get; set; }

    /// <summary>Gets or sets the store: <c>file:PATH</c> (relative to the output folder).</summary>
    /// <value>Defaults to <c>file:registry.json</c>.</value>
    public string Store { get; set; } = "file:registry.json";
}

/// <summary>
/// The Amazon Bedrock settings of a pipeline (<c>bedrock:</c> in the file). Credentials never appear here: the standard
/// AWS chain (environment, shared profile, SSO, web identity, container and instance metadata) supplies them.
/// </summary>
public sealed class FineTunePipelineBedrock
{
    /// <summary>Gets or sets the AWS region, for example <c>us-east-1</c>.</summary>
    /// <value>Defaults to <see langword="null"/>: the AWS chain's region (<c>AWS_REGION</c>, the profile).</value>
    public string? Region { get; set; }

    /// <summary>Gets or sets the IAM role Bedrock assumes to read the data and write the outputs.</summary>
    /// <value>Required.</value>
    public string RoleArn { get; set; } = string.Empty;

    /// <summary>Gets or sets the S3 bucket the data is uploaded to and the job writes to (with <see cref="S3Prefix"/>).</summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="DataS3Uri"/> and <see cref="OutputS3Uri"/> must both be set.</value>
    public string? S3Bucket { get; set; }

    /// <summary>Gets or sets the key prefix under <see cref="S3Bucket"/>: data under <c>PREFIX/data/</c>, outputs under <c>PREFIX/output/</c>.</summary>
    /// <value>Defaults to <c>finetune/</c>.</value>
    public string S3Prefix { get; set; } = "finetune/";

    /// <summary>Gets or sets the S3 prefix the training and validation files are uploaded to (overrides the bucket and prefix).</summary>
    /// <value>Defaults to <see langword="null"/>: <c>s3://BUCKET/PREFIX/data/</c>.</value>
    public string? DataS3Uri { get; set; }

    /// <summary>Gets or sets the S3 prefix the job writes its outputs and metrics to (overrides the bucket and prefix).</summary>
    /// <value>Defaults to <see langword="null"/>: <c>s3://BUCKET/PREFIX/output/</c>.</value>
    public string? OutputS3Uri { get; set; }

    /// <summary>Gets the endpoints to use instead of AWS's public ones (the emulator, a VPC endpoint).</summary>
    /// <value>All <see langword="null"/>: the region's public endpoints.</value>
    public FineTunePipelineBedrockEndpoints Endpoints { get; } = new();

    /// <summary>Gets how the candidate is made callable for the comparison, and whether that hosting is kept.</summary>
    /// <value>Mode <c>auto</c>, 1 model unit, no commitment, released at the end.</value>
    public FineTunePipelineBedrockHosting Hosting { get; } = new();

    /// <summary>Gets the S3 prefix the data is uploaded to.</summary>
    /// <returns><see cref="DataS3Uri"/>, or the bucket and prefix joined.</returns>
    public string ResolveDataS3Uri() => DataS3Uri ?? Join("data/");

    /// <summary>Gets the S3 prefix the job writes to.</summary>
    /// <returns><see cref="OutputS3Uri"/>, or the bucket and prefix joined.</returns>
    public string ResolveOutputS3Uri() => OutputS3Uri ?? Join("output/");

    private string Join(string leaf)
    {
        var prefix = S3Prefix.Trim('/');
        return "s3://" + S3Bucket + "/" + (prefix.Length == 0 ? string.Empty : prefix + "/") + leaf;
    }
}

/// <summary>Endpoints of the three services a Bedrock pipeline calls.</summary>
public sealed class FineTunePipelineBedrockEndpoints
{
    /// <summary>Gets or sets the control-plane endpoint (jobs, custom models, provisioned throughput, deployments).</summary>
    /// <value>Defaults to <see langword="null"/>: <c>bedrock.REGION.amazonaws.com</c>.</value>
    public string? Bedrock { get; set; }

    /// <summary>Gets or sets the Runtime endpoint (Converse).</summary>
    /// <value>Defaults to <see langword="null"/>: <c>bedrock-runtime.REGION.amazonaws.com</c>.</value>
    public string? BedrockRuntime { get; set; }

    /// <summary>Gets or sets the S3 endpoint (a set value switches to path-style addressing).</summary>
    /// <value>Defaults to <see langword="null"/>: S3's regional endpoint.</value>
    public string? S3 { get; set; }
}

/// <summary>How the candidate is hosted for the comparison: Provisioned Throughput (billed per model-unit hour) or an on-demand custom-model deployment.</summary>
public sealed class FineTunePipelineBedrockHosting
{
    /// <summary>Gets or sets the mode: <c>auto</c> (an on-demand deployment where the family supports one — Amazon Nova —, else Provisioned Throughput), <c>provisioned</c> or <c>deployment</c>.</summary>
    /// <value>Defaults to <c>auto</c>.</value>
    public string Mode { get; set; } = "auto";

    /// <summary>Gets or sets the model units of Provisioned Throughput.</summary>
    /// <value>Defaults to 1.</value>
    public int ModelUnits { get; set; } = 1;

    /// <summary>Gets or sets the Provisioned Throughput commitment: <c>OneMonth</c>, <c>SixMonths</c>, or null for none (hourly).</summary>
    /// <value>Defaults to <see langword="null"/>: no commitment.</value>
    public string? Commitment { get; set; }

    /// <summary>Gets or sets the hours of hosting the estimate counts for the comparison (Provisioned Throughput bills whole hours).</summary>
    /// <value>Defaults to 1.</value>
    public int Hours { get; set; } = 1;

    /// <summary>Gets or sets a value indicating whether the hosting is kept after the run (it keeps billing until deleted).</summary>
    /// <value>Defaults to <see langword="false"/>: released when the run ends.</value>
    public bool Keep { get; set; }
}
