namespace FineTune.Sdk;

/// <summary>
/// The whole registry at one version: every feature with its variants. Immutable; a change produces a new document
/// with <see cref="Version"/> one higher. Serialized as one indented JSON document with a stable key order
/// (features and variants sorted by name) so diffs in git are small.
/// </summary>
public sealed record RegistryDocument
{
    /// <summary>The schema version this release writes.</summary>
    public const int CurrentSchemaVersion = 1;

    /// <summary>Gets the schema version of the document.</summary>
    /// <value>1 for this release.</value>
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Gets the version of the registry: 0 when empty, one more after every committed change.</summary>
    /// <value>The optimistic-concurrency token; a writer that read an older version gets a conflict.</value>
    public long Version { get; init; }

    /// <summary>Gets when the last change was committed.</summary>
    /// <value><see langword="null"/> for an empty registry.</value>
    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>Gets the features, sorted by name (ordinal).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<RegistryFeature> Features { get; init; } = [];

    /// <summary>Finds a feature by name (ordinal, case-sensitive).</summary>
    /// <param name="name">The feature name, for example <c>support-intent</c>.</param>
    /// <returns>The feature, or <see langword="null"/>.</returns>
    public RegistryFeature? FindFeature(string name)
    {
        foreach (var feature in Features)
        {
            if (string.Equals(feature.Name, name, StringComparison.Ordinal))
            {
                return feature;
            }
        }

        return null;
    }
}

/// <summary>
/// A feature (an alias such as <c>support-intent</c>) and the model variants that can serve it: one default, at
/// most one variant in staged rollout, and the defaults it had before (for rollback).
/// </summary>
public sealed record RegistryFeature
{
    /// <summary>Gets the feature name.</summary>
    /// <value>Letters, digits, <c>.</c>, <c>_</c> and <c>-</c>; for example <c>support-intent</c>.</value>
    public required string Name { get; init; }

    /// <summary>Gets the name of the variant that serves every key not in the rollout.</summary>
    /// <value>The first variant registered for the feature, until another is rolled out to 100%.</value>
    public required string DefaultVariant { get; init; }

    /// <summary>Gets the name of the variant in staged rollout.</summary>
    /// <value><see langword="null"/> when no rollout is staged.</value>
    public string? RolloutVariant { get; init; }

    /// <summary>Gets the share of targeting keys the rollout variant serves, in percent.</summary>
    /// <value>0 to 100 with two decimals (a resolution of 0.01%); 0 means the flag is off.</value>
    public decimal RolloutPercentage { get; init; }

    /// <summary>Gets the feature flag the rollout is controlled by.</summary>
    /// <value>Defaults to <c>model:{feature}</c> when not given at registration.</value>
    public string? FlagName { get; init; }

    /// <summary>Gets the SHA-256 of the golden set promotions of this feature are judged on.</summary>
    /// <value>Lower-case hex; taken from the first comparison report attached when not given.</value>
    public string? GoldenSetSha256 { get; init; }

    /// <summary>Gets the defaults the feature had before, most recent last; rollback pops the last.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<string> PreviousDefaults { get; init; } = [];

    /// <summary>Gets the variants, sorted by name (ordinal).</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<RegistryVariant> Variants { get; init; } = [];

    /// <summary>Finds a variant by name (ordinal).</summary>
    /// <param name="name">The variant name.</param>
    /// <returns>The variant, or <see langword="null"/>.</returns>
    public RegistryVariant? FindVariant(string? name)
    {
        foreach (var variant in Variants)
        {
            if (string.Equals(variant.Name, name, StringComparison.Ordinal))
            {
                return variant;
            }
        }

        return null;
    }
}

/// <summary>The state of a variant.</summary>
public enum RegistryVariantStatus
{
    /// <summary>Registered; not yet approved to serve traffic (unless it is its feature's first, default variant).</summary>
    Registered,

    /// <summary>Promoted: passed the promotion guard (or was forced) and may be rolled out.</summary>
    Promoted,

    /// <summary>Retired: never served again.</summary>
    Retired,
}

/// <summary>
/// One model that can serve a feature: what to call (model id, provider, endpoint), where it came from (base model,
/// dataset, job) and what approved it (comparison report).
/// </summary>
public sealed record RegistryVariant
{
    /// <summary>Gets the variant name, unique within its feature.</summary>
    /// <value>For example <c>base</c> or <c>ft-2026-12</c>.</value>
    public required string Name { get; init; }

    /// <summary>Gets the model id to call.</summary>
    /// <value><c>ft:…</c> for OpenAI fine-tunes, an ARN for Bedrock custom models, the adapter name for self-hosted ones, or a base model id.</value>
    public required string ModelId { get; init; }

    /// <summary>Gets the provider short name.</summary>
    /// <value>One of <see cref="RegistryProviders"/> or any other name (not format-checked).</value>
    public required string Provider { get; init; }

    /// <summary>Gets the base model the variant was trained from (or is, for a base variant).</summary>
    /// <value>For example <c>gpt-4.1-nano-2025-04-14</c>.</value>
    public required string BaseModel { get; init; }

    /// <summary>Gets the pinned revision of the base model.</summary>
    /// <value>Optional for hosted providers; required for self-hosted adapters.</value>
    public string? BaseRevision { get; init; }

    /// <summary>Gets the endpoint to call.</summary>
    /// <value>An absolute http(s) URI; required for self-hosted adapters, optional otherwise.</value>
    public string? Endpoint { get; init; }

    /// <summary>Gets the self-hosted adapter manifest.</summary>
    /// <value>Required when <see cref="Provider"/> is <see cref="RegistryProviders.SelfHosted"/>.</value>
    public RegistryAdapter? Adapter { get; init; }

    /// <summary>Gets the training data (from the dataset manifest).</summary>
    /// <value><see langword="null"/> for a base variant.</value>
    public RegistryDataset? Dataset { get; init; }

    /// <summary>Gets the training job id.</summary>
    /// <value>Optional.</value>
    public string? TrainingJobId { get; init; }

    /// <summary>Gets the SHA-256 of the training file as uploaded.</summary>
    /// <value>Lower-case hex; optional.</value>
    public string? TrainingFileSha256 { get; init; }

    /// <summary>Gets the comparison report that evaluated the variant.</summary>
    /// <value><see langword="null"/> until one is attached.</value>
    public RegistryEvaluation? Evaluation { get; init; }

    /// <summary>Gets the state of the variant.</summary>
    /// <value><see cref="RegistryVariantStatus.Registered"/> at registration.</value>
    public RegistryVariantStatus Status { get; init; }

    /// <summary>Gets who owns the variant (the on-call owner).</summary>
    /// <value>Optional; a team or a person.</value>
    public string? Owner { get; init; }

    /// <summary>Gets free-form tags, sorted.</summary>
    /// <value>Never <see langword="null"/>.</value>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Gets the decision record that says why this use case is fine-tuned (<c>finetune advise --out</c>).</summary>
    /// <value><see langword="null"/> when none is attached; the pre-deploy checklist requires one recommending a fine-tune.</value>
    public RegistryDecisionRecord? DecisionRecord { get; init; }

    /// <summary>Gets the entry in the LLM gateway (route, model group or alias) through which callers reach this variant.</summary>
    /// <value>For example <c>litellm:support-intent</c>; optional, required by the pre-deploy checklist.</value>
    public string? GatewayRoute { get; init; }

    /// <summary>Gets the projected serving cost of the variant.</summary>
    /// <value>Optional; required by the pre-deploy checklist.</value>
    public RegistryCostProjection? CostProjection { get; init; }

    /// <summary>Gets what triggers a re-train of this variant.</summary>
    /// <value>For example <c>monthly, or when the exact-match lift on the weekly sample drops below 3 points</c>; optional, required by the pre-deploy checklist.</value>
    public string? RetrainTrigger { get; init; }

    /// <summary>Gets when the variant was registered.</summary>
    /// <value>Set by the registry from its clock.</value>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the variant was promoted.</summary>
    /// <value><see langword="null"/> until promoted.</value>
    public DateTimeOffset? PromotedAt { get; init; }

    /// <summary>Gets when the variant was last evaluated (the comparison report's time).</summary>
    /// <value><see langword="null"/> when never evaluated.</value>
    public DateTimeOffset? LastEvaluatedAt { get; init; }

    /// <summary>Gets when the variant was retired.</summary>
    /// <value><see langword="null"/> unless retired.</value>
    public DateTimeOffset? RetiredAt { get; init; }
}

/// <summary>The adapter manifest of a self-hosted LoRA adapter (vLLM, TGI, Ollama or any OpenAI-compatible server).</summary>
public sealed record RegistryAdapter
{
    /// <summary>Gets the base model id the adapter was trained on.</summary>
    /// <value>For example <c>meta-llama/Llama-3.1-8B-Instruct</c>.</value>
    public required string BaseModel { get; init; }

    /// <summary>Gets the base model revision the adapter was trained on.</summary>
    /// <value>A commit hash or tag; must equal the variant's serving <see cref="RegistryVariant.BaseRevision"/>.</value>
    public required string BaseRevision { get; init; }

    /// <summary>Gets where the adapter weights are.</summary>
    /// <value>A path or URI.</value>
    public required string Path { get; init; }

    /// <summary>Gets the LoRA rank.</summary>
    /// <value>At least 1.</value>
    public int Rank { get; init; }

    /// <summary>Gets the modules the adapter targets, sorted.</summary>
    /// <value>For example <c>q_proj</c>, <c>v_proj</c>.</value>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>Gets the task type.</summary>
    /// <value>For example <c>CAUSAL_LM</c>.</value>
    public string? TaskType { get; init; }
}

/// <summary>The training dataset of a variant, as its manifest describes it.</summary>
public sealed record RegistryDataset
{
    /// <summary>Gets the dataset name.</summary>
    /// <value>From <see cref="DatasetManifest.Name"/>.</value>
    public string? Name { get; init; }

    /// <summary>Gets the dataset semantic version.</summary>
    /// <value>From <see cref="DatasetManifest.Version"/>.</value>
    public required string Version { get; init; }

    /// <summary>Gets the dataset SHA-256.</summary>
    /// <value>Lower-case hex, from <see cref="DatasetManifest.Sha256"/>.</value>
    public required string Sha256 { get; init; }

    /// <summary>Creates the record from a dataset manifest.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The dataset record.</returns>
    public static RegistryDataset FromManifest(DatasetManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new RegistryDataset { Name = manifest.Name, Version = manifest.Version, Sha256 = manifest.Sha256 };
    }
}

/// <summary>The comparison report (<c>compare.json</c>) attached to a variant.</summary>
public sealed record RegistryEvaluation
{
    /// <summary>Gets the report path.</summary>
    /// <value>Relative paths are resolved against <see cref="ModelRegistryOptions.BaseDirectory"/>.</value>
    public required string ReportPath { get; init; }

    /// <summary>Gets the SHA-256 of the report file when it was attached; promotion re-checks it.</summary>
    /// <value>Lower-case hex.</value>
    public required string ReportSha256 { get; init; }

    /// <summary>Gets a value indicating whether the report's decision passed.</summary>
    /// <value>From <see cref="PolicyDecision.Passed"/>.</value>
    public bool Passed { get; init; }

    /// <summary>Gets the candidate model id the report evaluated.</summary>
    /// <value>From <see cref="VariantSummary.ModelId"/>.</value>
    public string? CandidateModelId { get; init; }

    /// <summary>Gets the golden set hash the report records.</summary>
    /// <value>From <see cref="ComparisonReport.GoldenSetSha256"/>.</value>
    public string? GoldenSetSha256 { get; init; }

    /// <summary>Gets when the report was generated.</summary>
    /// <value>From <see cref="ComparisonReport.GeneratedAt"/>.</value>
    public DateTimeOffset GeneratedAt { get; init; }
}

/// <summary>The adaptation decision record attached to a variant (see <see cref="AdaptationDecision"/>).</summary>
public sealed record RegistryDecisionRecord
{
    /// <summary>Gets the record's path.</summary>
    /// <value>Relative paths are resolved against <see cref="ModelRegistryOptions.BaseDirectory"/>.</value>
    public required string Path { get; init; }

    /// <summary>Gets the SHA-256 of the record file when it was attached; the checklist re-checks it.</summary>
    /// <value>Lower-case hex.</value>
    public required string Sha256 { get; init; }

    /// <summary>Gets the recommendation the record made.</summary>
    /// <value>From <see cref="AdaptationDecision.Recommendation"/>.</value>
    public AdaptationRecommendation Recommendation { get; init; }

    /// <summary>Gets the use case the record is about.</summary>
    /// <value>From <see cref="AdaptationDecision.UseCase"/>.</value>
    public string? UseCase { get; init; }

    /// <summary>Gets when the decision was made.</summary>
    /// <value>From <see cref="AdaptationDecision.DecidedAt"/>.</value>
    public DateTimeOffset? DecidedAt { get; init; }
}

/// <summary>The projected serving cost of a variant.</summary>
public sealed record RegistryCostProjection
{
    /// <summary>Gets the projected cost per month.</summary>
    /// <value>Not negative, in <see cref="Currency"/>.</value>
    public decimal MonthlyCost { get; init; }

    /// <summary>Gets the currency.</summary>
    /// <value>Defaults to <c>USD</c>.</value>
    public string Currency { get; init; } = "USD";

    /// <summary>Gets what the projection assumes.</summary>
    /// <value>For example <c>1.2M requests/month at 410 in / 6 out tokens (finetune estimate)</c>; optional.</value>
    public string? Basis { get; init; }
}

/// <summary>Well-known provider names; the registry checks model ids of these against their format.</summary>
public static class RegistryProviders
{
    /// <summary>OpenAI: fine-tunes are <c>ft:{base}:{org}:{suffix}:{id}</c>.</summary>
    public const string OpenAI = "openai";

    /// <summary>Amazon Bedrock: custom models, provisioned throughput and deployments are ARNs.</summary>
    public const string Bedrock = "bedrock";

    /// <summary>A self-hosted LoRA adapter behind an OpenAI-compatible endpoint.</summary>
    public const string SelfHosted = "self-hosted";
}
